package dev.sherlock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * A distributed lock that feels like a standard-library lock.
 *
 * <p>A hold belongs to the thread that acquired it and is reentrant: acquiring again on the same thread increments
 * a hold count, and the lock is released on the backend when the count drops to zero. Each acquisition on the
 * backend gets a fresh owner token, so release and renew are owner-checked, and a fencing token that is strictly
 * greater than that of every earlier acquisition of the same name on the backend.
 *
 * <p>While a lock with an expiry is held, it is renewed automatically (unless switched off in
 * {@link LockSettings}); if renewal finds it gone, {@link LockListener}s are told and
 * {@link #isHeldByCurrentThread()} turns false.
 *
 * <p>{@link #release()} and {@link #unlock()} throw {@link LockException} when the current thread does not hold
 * the lock, and {@link LockLostException} when the hold was lost before it was released. {@link #newCondition()}
 * is not supported.
 *
 * @since 0.1.0
 */
public interface Lock extends java.util.concurrent.locks.Lock, AutoCloseable {

    /**
     * The lock's name, as given by the caller.
     * @return the name
     */
    String name();

    /**
     * Acquires the lock, waiting up to the configured timeout.
     * @throws LockTimeoutException if the lock was not acquired within the timeout
     * @throws LockInterruptedException if the thread was interrupted while waiting
     */
    void acquire();

    /**
     * Acquires the lock as py-sherlock's {@code acquire(blocking)} does.
     * @param blocking {@code true} to wait up to the configured timeout, {@code false} for one attempt
     * @return {@code true} if acquired; {@code false} if {@code blocking} is false and someone else holds it
     * @throws LockTimeoutException if {@code blocking} and the lock was not acquired within the timeout
     */
    boolean acquire(boolean blocking);

    /**
     * Tries to acquire the lock, waiting at most {@code timeout} of wall time.
     * @param timeout how long to wait; zero means one attempt
     * @return {@code true} if acquired, {@code false} if the timeout passed first
     * @throws LockInterruptedException if the thread was interrupted while waiting
     */
    boolean tryAcquire(Duration timeout);

    /**
     * Tells whether anybody holds the lock, in this process or another (py-sherlock's {@code locked()}).
     * @return {@code true} if the lock is held
     */
    boolean locked();

    /**
     * Tells whether the current thread holds the lock and it has not been lost.
     * @return {@code true} if held by this thread
     */
    boolean isHeldByCurrentThread();

    /**
     * Tells, from any thread, whether the hold with {@code fencingToken} is still held and may be believed (not lost,
     * its deadline not passed): what a thread other than the holder asks, e.g. of a leader's term.
     * @param fencingToken the hold's fencing token
     * @return {@code true} if that hold is current and valid
     * @since 0.2.0
     */
    boolean isHeld(long fencingToken);

    /**
     * How many holds of the current thread are not yet released, as {@link
     * java.util.concurrent.locks.ReentrantLock#getHoldCount()}: also those of a hold that was lost, which must still
     * be released (the last release then throws {@link LockLostException}).
     * @return the number of unreleased holds, {@code 0} if this thread does not hold the lock
     * @since 0.2.0
     */
    int holdCount();

    /**
     * Extends the current thread's hold to the full expiry again.
     * @return {@code true} if renewed, {@code false} if the lock was lost
     * @throws LockException if the current thread never acquired the lock
     */
    boolean renew();

    /**
     * The fencing token of the current thread's hold: strictly greater than that of every earlier acquisition of
     * this name on the backend. Pass it to the protected resource so it can reject writes from stale holders.
     * @return the token
     * @throws LockException if the current thread does not hold the lock
     */
    long fencingToken();

    /**
     * Releases one hold; the lock is released on the backend when the last hold of this thread is released.
     * @throws LockException if the current thread does not hold the lock
     * @throws LockLostException if the lock had expired or been taken over before this release
     */
    void release();

    /**
     * Releases one hold, but when it is the last, keeps the lock on the backend until it has been held for
     * {@code minimum} since this thread acquired it, as a scheduled job does so that nodes whose clocks or schedules
     * differ a little do not run the same tick twice (ShedLock's {@code lockAtLeastFor}). No thread waits meanwhile:
     * renewal stops (the lock is renewed once first if its expiry would end sooner), and the lock is released,
     * owner-checked, in the background once the time is up; if this process
     * stops first, the lock expires on its own (within its expire). The current thread no longer holds it, and
     * other threads of this JVM contend for it as other processes do. Where {@code minimum} has already passed, this
     * is {@link #release()}.
     * @param minimum how long after its acquisition the lock stays held at least; at most the lock's expire
     * @throws LockConfigurationException if {@code minimum} is negative, or longer than the lock's expire, or the lock
     *     never expires (nothing would free it if this process stopped); the hold is then unchanged
     * @throws LockException if the current thread does not hold the lock
     * @throws LockLostException if the lock had expired or been taken over before this release
     * @since 0.2.0
     */
    void releaseHeldAtLeast(Duration minimum);

    @Override
    default boolean tryLock() {
        return acquire(false);
    }

    @Override
    default boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("Interrupted before acquiring lock '" + name() + "'");
        }
        try {
            return tryAcquire(Duration.ofNanos(unit.toNanos(Math.max(0, time))));
        }
        catch (LockInterruptedException ex) {
            Thread.interrupted();
            InterruptedException interrupted = new InterruptedException(ex.getMessage());
            interrupted.initCause(ex);
            throw interrupted;
        }
    }

    /**
     * Waits until the lock is acquired, however long that takes; interruption is remembered and restored.
     */
    @Override
    default void lock() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (tryAcquire(LockSettings.MAX)) {
                        return;
                    }
                }
                catch (LockInterruptedException ex) {
                    Thread.interrupted();
                    interrupted = true;
                }
            }
        }
        finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    default void lockInterruptibly() throws InterruptedException {
        while (!tryLock(LockSettings.MAX.toNanos(), TimeUnit.NANOSECONDS)) {
            // keep waiting: lockInterruptibly has no timeout
        }
    }

    /**
     * Same as {@link #release()}.
     */
    @Override
    default void unlock() {
        release();
    }

    /**
     * Same as {@link #release()}, for try-with-resources.
     */
    @Override
    default void close() {
        release();
    }

    /**
     * Not supported: a distributed lock has no condition variables.
     * @throws UnsupportedOperationException always
     */
    @Override
    default Condition newCondition() {
        throw new UnsupportedOperationException("Lock '" + name() + "': conditions are not supported");
    }
}
