package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * The waiting thread was interrupted; its interrupt status is set again before this is thrown.
 *
 * @since 0.1.0
 */
public class LockInterruptedException extends LockException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message what happened, naming the lock and the backend
     */
    public LockInterruptedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     * @param message what happened, naming the lock and the backend
     * @param cause the underlying failure
     */
    public LockInterruptedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
