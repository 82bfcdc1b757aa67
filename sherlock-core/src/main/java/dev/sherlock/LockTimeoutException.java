package dev.sherlock;

/**
 * A blocking acquire that did not get the lock within its timeout.
 *
 * @since 0.1.0
 */
public class LockTimeoutException extends LockException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message what happened, naming the lock and the backend
     */
    public LockTimeoutException(String message) {
        super(message);
    }
}
