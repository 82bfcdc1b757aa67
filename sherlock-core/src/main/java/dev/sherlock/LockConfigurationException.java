package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * Invalid configuration: a bad lock name, a negative or overflowing duration, or a missing client library.
 *
 * @since 0.1.0
 */
public class LockConfigurationException extends LockException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message what happened, naming the lock and the backend
     */
    public LockConfigurationException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     * @param message what happened, naming the lock and the backend
     * @param cause the underlying failure
     */
    public LockConfigurationException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
