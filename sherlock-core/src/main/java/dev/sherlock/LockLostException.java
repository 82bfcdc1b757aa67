package dev.sherlock;

/**
 * A lock this thread held was lost: it expired or was taken over before it was released or renewed.
 *
 * <p>The integrity of data protected by the lock may have been compromised.
 *
 * @since 0.1.0
 */
public class LockLostException extends LockException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message what happened, naming the lock and the backend
     */
    public LockLostException(String message) {
        super(message);
    }
}
