package dev.sherlock.spring.integration;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

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
// Raw: LockRegistry is generic on Spring Integration 7 (Boot 4) but not on 6.5 (Boot 3.5), where a parameterized
// supertype in this class's signature makes every reflective look at its generic interfaces (Class.getGenericInterfaces,
// Spring's ResolvableType) throw MalformedParameterizedTypeException. Raw, Spring still matches LockRegistry<Lock>.
@SuppressWarnings("rawtypes")
public final class SpringIntegrationLockRegistry
        implements org.springframework.integration.support.locks.LockRegistry, SmartLifecycle, AutoCloseable {

    /**
     * The lifecycle phase in which the application's stop waits for the locks handed out to be unlocked: after
     * Spring Integration's leader initiators stop ({@code Integer.MAX_VALUE - 1000}), before connection factories
     * (phase {@code 0}) close the connections the release needs.
     */
    public static final int PHASE = Integer.MAX_VALUE - 2000;

    private static final Logger logger = LoggerFactory.getLogger(SpringIntegrationLockRegistry.class);

    private final LockRegistry registry;

    /** Holds handed out and not yet unlocked, by any thread. */
    private final AtomicInteger outstanding = new AtomicInteger();

    private volatile boolean running;

    /** Whether {@link #stop()} has waited already, so {@link #close()} does not wait again. */
    private volatile boolean waited;

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
        return new IntegrationLock(registry.getLock(name), outstanding);
    }

    @Override
    public void start() {
        running = true;
    }

    /** Waits for the locks handed out to be unlocked, as {@link #close()} (which then does not wait again). */
    @Override
    public void stop() {
        running = false;
        awaitUnlocked();
        waited = true;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Waits, at most the registry's timeout, until every lock handed out is unlocked. Components that stop
     * asynchronously (Spring Integration's leader initiator interrupts its thread and returns) release their locks
     * a moment after they stop; waiting for that, before the backend's connections close, makes the lock released
     * rather than left to expire. Spring calls it when the application stops ({@link #PHASE}) and closes.
     */
    @Override
    public void close() {
        if (!waited) {
            awaitUnlocked();
        }
    }

    private void awaitUnlocked() {
        long deadline = System.nanoTime() + registry.settings().timeout().toNanos();
        while (outstanding.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                TimeUnit.MILLISECONDS.sleep(10);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (outstanding.get() > 0) {
            logger.warn("Spring Integration still holds {} Sherlock lock(s) as the application stops; they expire on"
                    + " the backend after their expire", outstanding.get());
        }
    }

    @Override
    public String toString() {
        return "SpringIntegrationLockRegistry over " + registry;
    }

    /** One lock as Spring Integration uses it. */
    private static final class IntegrationLock implements Lock {

        private final dev.sherlock.Lock lock;

        private final AtomicInteger outstanding;

        IntegrationLock(dev.sherlock.Lock lock, AtomicInteger outstanding) {
            this.lock = lock;
            this.outstanding = outstanding;
        }

        @Override
        public void lock() {
            LockLostException lost = endLostHold();
            if (lost != null) {
                throw lost;
            }
            lock.lock();
            outstanding.incrementAndGet();
        }

        @Override
        public void lockInterruptibly() throws InterruptedException {
            LockLostException lost = endLostHold();
            if (lost != null) {
                throw lost;
            }
            lock.lockInterruptibly();
            outstanding.incrementAndGet();
        }

        @Override
        public boolean tryLock() {
            return endLostHold() == null && counted(lock.tryLock());
        }

        @Override
        public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
            if (Thread.interrupted()) {
                throw new InterruptedException("Interrupted before acquiring lock '" + lock.name() + "'");
            }
            return endLostHold() == null && counted(lock.tryLock(time, unit));
        }

        private boolean counted(boolean acquired) {
            if (acquired) {
                outstanding.incrementAndGet();
            }
            return acquired;
        }

        @Override
        public void unlock() {
            int before = lock.holdCount();
            try {
                lock.unlock();
            }
            finally {
                // A release that throws still ends the hold (lost, or released in the background).
                if (lock.holdCount() < before) {
                    outstanding.updateAndGet(count -> Math.max(0, count - 1));
                }
            }
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
                finally {
                    outstanding.updateAndGet(count -> Math.max(0, count - 1));
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
