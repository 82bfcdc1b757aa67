package dev.sherlock;

import java.time.Duration;
import java.util.Objects;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Lock} on any {@link LockBackend}; the backend-specific handles ({@code FileLock}, {@code RedisLock},
 * ...) extend it.
 *
 * <p>Each handle created with a constructor is independent: two handles for the same name contend with each other
 * exactly as two processes do, as in py-sherlock. Handles from a {@link LockRegistry} share their state instead.
 *
 * @since 0.1.0
 */
public class BackendLock implements Lock {

    private final LockId id;

    private final LockSettings settings;

    private final StateSource states;

    /** The handle's own listeners and observer; {@code null} for a registry's handle. */
    private final @Nullable Watchers watchers;

    /**
     * Creates an independent handle.
     * @param name the lock's name: any non-empty Unicode text
     * @param backend where the lock lives
     * @param namespace prefix of the name on the backend, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     * @throws LockConfigurationException if the name or namespace is invalid
     */
    public BackendLock(String name, LockBackend backend, @Nullable String namespace, LockSettings settings) {
        this.id = LockId.of(name, namespace, backend);
        this.settings = requireSettings(settings, id);
        this.watchers = new Watchers();
        LockState own = new LockState(id, watchers, Background.shared(backend));
        this.states = new StateSource() {
            @Override
            public LockState enter() {
                return own;
            }

            @Override
            public void leave(LockState state) {
            }

            @Override
            public LockState current() {
                return own;
            }
        };
    }

    BackendLock(LockId id, LockSettings settings, StateSource states) {
        this.id = id;
        this.settings = requireSettings(settings, id);
        this.states = states;
        this.watchers = null;
    }

    /**
     * Adds a listener told about this handle's acquisitions, releases and losses.
     * @param listener the listener
     */
    public void addListener(LockListener listener) {
        own("add listeners to").listeners.add(Objects.requireNonNull(listener, "'listener' must not be null"));
    }

    /**
     * Sets what observes this handle's acquires, holds and renewals (see {@link LockObserver}), replacing any
     * earlier observer.
     * @param observer the observer; {@link LockObserver#NONE} to observe nothing
     */
    public void setObserver(LockObserver observer) {
        own("set the observer of").observeWith(observer);
    }

    private Watchers own(String action) {
        if (watchers == null) {
            throw new UnsupportedOperationException(id.describe(action + " the registry instead of its handles"));
        }
        return watchers;
    }

    @Override
    public String name() {
        return id.name();
    }

    /**
     * The settings this handle acquires with.
     * @return the settings
     */
    public LockSettings settings() {
        return settings;
    }

    /**
     * The backend this lock lives on.
     * @return the backend
     */
    public LockBackend backend() {
        return id.backend();
    }

    @Override
    public void acquire() {
        if (!tryAcquire(settings.timeout())) {
            throw new LockTimeoutException(id.describe("not acquired within " + settings.timeout()
                    + "; someone else holds it"));
        }
    }

    @Override
    public boolean acquire(boolean blocking) {
        if (blocking) {
            acquire();
            return true;
        }
        return tryAcquire(Duration.ZERO);
    }

    @Override
    public boolean tryAcquire(Duration timeout) {
        if (timeout.isNegative()) {
            timeout = Duration.ZERO;
        }
        if (timeout.compareTo(LockSettings.MAX) > 0) {
            timeout = LockSettings.MAX;
        }
        LockState state = states.enter();
        boolean acquired = false;
        try {
            acquired = state.acquire(settings, timeout);
            return acquired;
        }
        finally {
            if (!acquired) {
                states.leave(state);
            }
        }
    }

    @Override
    public boolean locked() {
        LockState state = states.current();
        if (state != null) {
            return state.locked();
        }
        LockState fresh = states.enter();
        try {
            return fresh.locked();
        }
        finally {
            states.leave(fresh);
        }
    }

    @Override
    public boolean isHeldByCurrentThread() {
        LockState state = states.current();
        return state != null && state.isHeldByCurrentThread();
    }

    @Override
    public boolean isHeld(long fencingToken) {
        LockState state = states.current();
        return state != null && state.isHeld(fencingToken);
    }

    @Override
    public int holdCount() {
        LockState state = states.current();
        return state == null ? 0 : state.holdCount();
    }

    @Override
    public boolean renew() {
        return held("renew").renew();
    }

    @Override
    public long fencingToken() {
        return held("read the fencing token of").fencingToken();
    }

    @Override
    public void release() {
        LockState state = held("release");
        try {
            state.release(settings);
        }
        finally {
            states.leave(state);
        }
    }

    @Override
    public void releaseHeldAtLeast(Duration minimum) {
        LockState state = held("release");
        state.checkMinimumHold(minimum);
        try {
            state.release(settings, minimum);
        }
        finally {
            states.leave(state);
        }
    }

    private LockState held(String action) {
        LockState state = states.current();
        if (state == null || !state.isLocallyHeldByCurrentThread()) {
            throw new LockException(id.describe("cannot " + action + " it: the current thread does not hold it."
                    + " Acquire it first"));
        }
        return state;
    }

    private static LockSettings requireSettings(@Nullable LockSettings settings, LockId id) {
        if (settings == null) {
            throw new LockConfigurationException(id.describe("'settings' must not be null"));
        }
        settings.requireSupportedBy(id.backend(), id.toString());
        return settings;
    }

    @Override
    public String toString() {
        return id.toString();
    }
}
