package dev.sherlock.spring.integration;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import org.jspecify.annotations.Nullable;

/**
 * A Sherlock {@link LockRegistry} as Spring Integration's
 * {@link org.springframework.integration.support.locks.LockRegistry}: {@link #obtain(Object)} gives the registry's lock
 * of that name, with its backend, namespace, expiry, automatic renewal and fencing. Spring Integration's
 * {@code LockRegistryLeaderInitiator} elects leaders with it on any Sherlock backend.
 *
 * <p>The locks behave as Sherlock's, with one difference that Spring Integration's callers rely on: when a thread's
 * hold was lost (expired or taken over; the loss is logged and told to listeners when it is found), its next
 * {@code tryLock} ends that hold and answers {@code false}, so a caller that keeps trying (the leader initiator's
 * heartbeat) learns it no longer holds the lock and contends again on its following try; {@code lock()} ends it and
 * throws the {@link LockLostException} of its release. {@code unlock()} of a lost hold throws {@link LockLostException}, as Spring
 * Integration's Redis and JDBC registries throw when a lock expired. Conditions are not supported.
 *
 * @since 0.2.0
 */
public final class SpringIntegrationLockRegistry
        implements org.springframework.integration.support.locks.LockRegistry<Lock> {

    private final LockRegistry registry;

    /**
     * Adapts {@code registry}.
     * @param registry the Sherlock registry whose locks are handed out
     */
    public SpringIntegrationLockRegistry(LockRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "'registry' must not be null");
    }

    /**
     * The lock of {@code lockKey}'s name.
     * @param lockKey the lock's name, a {@link String}
     * @return the lock
     * @throws IllegalArgumentException if {@code lockKey} is not a String
     */
    @Override
    public Lock obtain(Object lockKey) {
        if (!(lockKey instanceof String name)) {
            throw new IllegalArgumentException("Sherlock lock keys are Strings (lock names), not "
                    + (lockKey == null ? "null" : lockKey.getClass().getName() + " '" + lockKey + "'"));
        }
        return new IntegrationLock(registry.getLock(name));
    }

    @Override
    public String toString() {
        return "SpringIntegrationLockRegistry over " + registry;
    }

    /** One lock as Spring Integration uses it. */
    private static final class IntegrationLock implements Lock {

        private final dev.sherlock.Lock lock;

        IntegrationLock(dev.sherlock.Lock lock) {
            this.lock = lock;
        }

        @Override
        public void lock() {
            LockLostException lost = endLostHold();
            if (lost != null) {
                throw lost;
            }
            lock.lock();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            LockLostException lost = endLostHold();
            if (lost != null) {
                throw lost;
            }
            lock.lockInterruptibly();
        }

        @Override
        public boolean tryLock() {
            return endLostHold() == null && lock.tryLock();
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException("Interrupted before acquiring lock '" + lock.name() + "'");
            }
            return endLostHold() == null && lock.tryLock(time, unit);
        }

        @Override
        public void unlock() {
            lock.unlock();
        }

        @Override
        public Condition newCondition() {
            throw new UnsupportedOperationException("Lock '" + lock.name() + "': distributed locks have no"
                    + " conditions");
        }

        /**
         * Releases every hold of this thread if its hold was lost (the loss was reported when it was found).
         * @return the loss the last release threw, or {@code null} if this thread's hold was not lost
         */
        private @Nullable LockLostException endLostHold() {
            if (lock.holdCount() == 0 || lock.isHeldByCurrentThread()) {
                return null;
            }
            LockLostException lost = null;
            while (lock.holdCount() > 0) {
                try {
                    lock.release();
                }
                catch (LockLostException ex) {
                    lost = ex;
                }
            }
            return lost != null ? lost : new LockLostException(lock + ": this thread's hold was lost and is now"
                    + " released; acquire it again", lock.name(), null, 0);
        }

        @Override
        public String toString() {
            return lock.toString();
        }
    }
}
