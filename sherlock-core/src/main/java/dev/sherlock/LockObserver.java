package dev.sherlock;

/**
 * Times what a registry's locks do, as it happens, for metrics and traces: each acquire (from the call to the lock
 * held or given up), each hold (from acquired to released or lost) and each renewal. The Spring Boot starter adapts
 * it to Micrometer's Observation API; the core depends on no metrics library.
 *
 * <p>Unlike a {@link LockListener}, which is told what happened, an observer is told when something starts and
 * returns the object told how it ended, so it can keep a timer or a span open in between. Reentrant acquires and
 * releases are not observed: they never reach the backend.
 *
 * <p>Every method runs on the thread doing the work (the caller's, or the renewal thread for background renewals
 * and for losses they find), must be quick and should not throw: what it throws is logged and ignored.
 *
 * @since 0.2.0
 */
public interface LockObserver {

    /** Observes nothing, at no cost. */
    LockObserver NONE = Observers.NONE;

    /**
     * An acquire that is not a reentrant one starts, on the acquiring thread, before it queues behind the other
     * threads of this JVM and before its first attempt on the backend.
     * @param name the lock's name
     * @param backend the backend's name, e.g. {@code redis}
     * @return what is told how the acquire ends; never {@code null}
     */
    Acquiring acquireStarted(String name, String backend);

    /** One acquire, told exactly once how it ended. */
    interface Acquiring {

        /**
         * The lock was acquired.
         * @param fencingToken the hold's fencing token
         * @return what is told about the hold that starts now; never {@code null}
         */
        Holding acquired(long fencingToken);

        /**
         * The lock was not acquired: someone else held it.
         * @param timedOut {@code true} if the caller waited and its timeout ran out, {@code false} if it made one
         *     attempt only ({@code tryLock()}, {@code acquire(false)}, a zero timeout)
         */
        void notAcquired(boolean timedOut);

        /**
         * The acquire failed: the backend could not be reached in time, the thread was interrupted, or the client
         * library threw an {@link Error} (then given here wrapped in a {@link LockBackendException}; the caller gets
         * the error itself).
         * @param error what the caller gets thrown
         */
        void failed(RuntimeException error);
    }

    /** One hold, from acquired to its end, told exactly once how it ended. */
    interface Holding {

        /**
         * A renewal of this hold starts (background auto-renew or {@link Lock#renew()}).
         * @return what is told how the renewal ends; never {@code null}
         */
        Renewing renewStarted();

        /** The hold ended by a release on the backend. */
        void released();

        /**
         * The hold ended because the lock was lost: a renewal or the release found it expired or taken over, its
         * deadline passed with no renewal answered (or auto-renew off), a background renewal failed with an
         * {@link Error}, its thread ended without releasing it, or its own thread found it expired (a reentrant acquire or {@link Lock#renew()} after the deadline).
         * @param cause what listeners are told too
         */
        void lost(LockLostException cause);

        /**
         * The hold ended with a release that failed on the backend (or, rarely, with an acquire that failed after
         * the backend granted the lock); the lock expires or is released in the background.
         * @param error what the caller gets thrown, or a {@link LockBackendException} wrapping an {@link Error}
         */
        void releaseFailed(RuntimeException error);
    }

    /** One renewal, told exactly once how it ended. */
    interface Renewing {

        /**
         * The backend extended the lock; also a renewal that was answered after the hold was released, whatever
         * the answer (it found the lock already released, which is no loss).
         */
        void renewed();

        /** The backend found the lock expired or taken over, or answered after the hold's deadline. */
        void lost();

        /**
         * The renewal call failed; background renewal tries again until the hold's deadline (after an {@link Error}
         * of the client in a background renewal, the hold is lost at once; {@link Lock#renew()} leaves it as it was).
         * @param error what the backend call threw, or a {@link LockBackendException} wrapping an {@link Error}
         */
        void failed(RuntimeException error);
    }
}
