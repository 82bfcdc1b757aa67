package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * A lock this thread held was lost: it expired or was taken over before it was released or renewed.
 *
 * <p>The integrity of data protected by the lock may have been compromised.
 *
 * @since 0.1.0
 */
public class LockLostException extends LockException {

    private static final long serialVersionUID = 1L;

    private final @Nullable String lockName;

    private final @Nullable String backend;

    private final long fencingToken;

    /**
     * Creates the exception without the details of the hold.
     * @param message what happened, naming the lock and the backend
     */
    public LockLostException(String message) {
        this(message, null, null, 0);
    }

    /**
     * Creates the exception.
     * @param message what happened, naming the lock and the backend
     * @param lockName the lost lock's name
     * @param backend the backend's name, e.g. {@code "redis"}
     * @param fencingToken the fencing token of the lost hold: writes fenced with it must now be refused
     */
    public LockLostException(String message, @Nullable String lockName, @Nullable String backend, long fencingToken) {
        super(message);
        this.lockName = lockName;
        this.backend = backend;
        this.fencingToken = fencingToken;
    }

    /**
     * The lost lock's name.
     * @return the name, or {@code null} if not given
     */
    public @Nullable String lockName() {
        return lockName;
    }

    /**
     * The backend the lock was held on.
     * @return the backend's name, or {@code null} if not given
     */
    public @Nullable String backend() {
        return backend;
    }

    /**
     * The fencing token of the lost hold.
     * @return the token, or {@code 0} if not given
     */
    public long fencingToken() {
        return fencingToken;
    }
}
