package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * The backend failed to answer: the server is unreachable or the client library reported an error.
 *
 * <p>The cause is the client's exception.
 *
 * @since 0.1.0
 */
public class LockBackendException extends LockException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message what happened, naming the lock and the backend
     */
    public LockBackendException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     * @param message what happened, naming the lock and the backend
     * @param cause the underlying failure
     */
    public LockBackendException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
