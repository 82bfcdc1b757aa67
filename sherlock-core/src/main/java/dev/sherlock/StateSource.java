package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * Where a handle finds its hold state: its own (a standalone handle) or the registry's shared, reference-counted
 * one (a registry handle).
 */
interface StateSource {

    /** The state to acquire on, counted as used until {@link #leave} is called for it. */
    LockState enter();

    /** Ends one use started by {@link #enter}. */
    void leave(LockState state);

    /** The state if someone uses it now, else {@code null}. */
    @Nullable LockState current();
}
