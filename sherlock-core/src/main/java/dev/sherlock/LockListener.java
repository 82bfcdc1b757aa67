package dev.sherlock;

/**
 * Told about the life of locks: acquisitions, releases and, above all, losses.
 *
 * <p>Callbacks run on the thread that caused them (the acquiring or releasing thread, or the shared renewal
 * thread for losses found by renewal); they must be quick and must not throw.
 *
 * @since 0.1.0
 */
public interface LockListener {

    /**
     * A lock was acquired on the backend (not called for reentrant holds).
     * @param name the lock's name
     * @param fencingToken the acquisition's fencing token
     */
    default void acquired(String name, long fencingToken) {
    }

    /**
     * A lock was released on the backend.
     * @param name the lock's name
     */
    default void released(String name) {
    }

    /**
     * A held lock was lost: renewal found it expired or taken over, or renewal kept failing until its expiry.
     * @param name the lock's name
     * @param cause what was found, with a message naming the lock and the backend
     */
    default void lost(String name, LockLostException cause) {
    }
}
