package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * Root of Sherlock's unchecked exceptions. Messages name the lock, the backend and the consequence.
 *
 * @since 0.1.0
 */
public class LockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with the given message.
     * @param message what happened, naming the lock and the backend
     */
    public LockException(String message) {
        super(message);
    }

    /**
     * Creates an exception with the given message and cause.
     * @param message what happened, naming the lock and the backend
     * @param cause the underlying failure
     */
    public LockException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
