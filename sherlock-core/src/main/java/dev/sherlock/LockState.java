package dev.sherlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hold state of one lock in this JVM and the generic algorithm over the SPI: local queueing and reentrancy,
 * waiting with wall-time deadlines, renewal, loss detection and listeners.
 *
 * <p>A fair local lock orders the threads of this JVM: only the thread at its head talks to the backend, so local
 * waiters queue here instead of all polling the server, and its hold count is the reentrancy count.
 */
final class LockState {

    private static final Logger logger = LoggerFactory.getLogger(LockState.class);

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private final LockId id;

    private final List<LockListener> listeners;

    private final ReentrantLock local = new ReentrantLock(true);

    /** The backend hold of the thread that owns {@link #local}; written only by that thread. */
    private volatile @Nullable Hold hold;

    /** Outstanding acquisitions and waiters of a registry entry; changed only inside the registry's map. */
    int users;

    LockState(LockId id, List<LockListener> listeners) {
        this.id = id;
        this.listeners = listeners;
    }

    LockId id() {
        return id;
    }

    boolean acquire(LockSettings settings, Duration timeout) {
        long start = System.nanoTime();
        long timeoutNanos = timeout.toNanos();
        boolean localHeld;
        try {
            localHeld = timeoutNanos == 0 ? local.tryLock() : local.tryLock(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            throw interrupted(ex);
        }
        if (!localHeld) {
            return false;
        }
        if (local.getHoldCount() > 1) {
            Hold current = this.hold;
            if (current == null || current.lost) {
                local.unlock();
                throw new LockLostException(id.describe(
                        "cannot re-enter: this thread's hold was lost (expired or taken over). Release it first"));
            }
            return true;
        }
        boolean acquired = false;
        try {
            acquired = acquireOnBackend(settings, start + timeoutNanos, timeoutNanos == 0);
            return acquired;
        }
        finally {
            if (!acquired) {
                local.unlock();
            }
        }
    }

    private boolean acquireOnBackend(LockSettings settings, long deadline, boolean once) {
        LockBackend backend = id.backend();
        String owner = Owners.next();
        while (true) {
            long sent = System.nanoTime();
            AcquireResult result;
            try {
                result = uninterruptibly(() -> backend.tryAcquire(id.key(), owner, settings.expire()));
            }
            catch (RuntimeException ex) {
                abandon(owner);
                throw wrap("acquire", ex);
            }
            if (result.acquired()) {
                start(new Hold(owner, result.fencingToken(), settings, sent));
                return true;
            }
            long remaining = deadline - System.nanoTime();
            if (once || remaining <= 0) {
                return false;
            }
            long wait = Math.min(remaining, settings.retryInterval().toNanos());
            Duration holderRemaining = result.holderRemaining();
            if (holderRemaining != null) {
                wait = Math.min(wait, holderRemaining.toNanos() + MILLI);
            }
            awaitRelease(result.observedVersion(), wait);
        }
    }

    private void awaitRelease(long observedVersion, long waitNanos) {
        try {
            try {
                id.backend().awaitRelease(id.key(), observedVersion, Duration.ofNanos(waitNanos));
            }
            catch (RuntimeException ex) {
                // A failed notification must not stall the waiter: fall back to polling.
                logger.debug("{}: waiting for a release notification failed, polling instead", id, ex);
                TimeUnit.NANOSECONDS.sleep(waitNanos);
            }
        }
        catch (InterruptedException ex) {
            throw interrupted(ex);
        }
    }

    /** The request may have reached the backend even though it failed here: remove what it may have created. */
    private void abandon(String owner) {
        try {
            uninterruptibly(() -> id.backend().release(id.key(), owner));
        }
        catch (RuntimeException ex) {
            logger.debug("{}: could not clean up after a failed acquire", id, ex);
        }
    }

    private void start(Hold started) {
        this.hold = started;
        if (started.renewable()) {
            started.scheduleRenewal(started.renewPeriod());
        }
        logger.debug("{}: acquired with fencing token {}", id, started.token);
        tell(listener -> listener.acquired(id.name(), started.token));
    }

    void release() {
        if (!local.isHeldByCurrentThread()) {
            throw new LockException(id.describe("cannot release: the current thread does not hold it"));
        }
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        Hold ending = this.hold;
        this.hold = null;
        try {
            if (ending == null) {
                return;
            }
            boolean lost = ending.end();
            boolean released = call("release", () -> id.backend().release(id.key(), ending.owner));
            if (lost || !released) {
                throw new LockLostException(id.describe("was lost before it was released (expired or taken over)."
                        + " The integrity of data protected by this lock may have been compromised"));
            }
            logger.debug("{}: released", id);
            tell(listener -> listener.released(id.name()));
        }
        finally {
            local.unlock();
        }
    }

    boolean renew() {
        Hold current = heldHold("renew");
        if (current.lost) {
            return false;
        }
        long sent = System.nanoTime();
        boolean renewed = call("renew", () -> id.backend().renew(id.key(), current.owner, current.expire()));
        current.renewed(renewed, sent, "renew found it expired or taken over");
        return renewed;
    }

    long fencingToken() {
        return heldHold("read the fencing token of").token;
    }

    boolean isHeldByCurrentThread() {
        Hold current = this.hold;
        return local.isHeldByCurrentThread() && current != null && current.valid();
    }

    boolean isLocallyHeldByCurrentThread() {
        return local.isHeldByCurrentThread();
    }

    boolean locked() {
        return call("check", () -> id.backend().isLocked(id.key()));
    }

    private Hold heldHold(String action) {
        Hold current = this.hold;
        if (!local.isHeldByCurrentThread() || current == null) {
            throw new LockException(id.describe("cannot " + action + " it: the current thread does not hold it."
                    + " Acquire it first"));
        }
        return current;
    }

    private <T> T call(String operation, Supplier<T> call) {
        try {
            return uninterruptibly(call);
        }
        catch (RuntimeException ex) {
            throw wrap(operation, ex);
        }
    }

    /**
     * Runs a backend call with the thread's interrupt status cleared, then restores it. Interrupts end waits, not
     * the short backend calls: a release in a {@code finally} block of an interrupted thread must still release,
     * and {@code tryLock()} does not respond to interrupts.
     */
    private static <T> T uninterruptibly(Supplier<T> call) {
        boolean interrupted = Thread.interrupted();
        try {
            return call.get();
        }
        finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private LockException wrap(String operation, RuntimeException ex) {
        if (ex instanceof LockException lockException) {
            return lockException;
        }
        return new LockBackendException(id.describe(operation + " failed: " + ex.getMessage()), ex);
    }

    /** Listeners must not break the lock: their failures are logged, never thrown. */
    private void tell(java.util.function.Consumer<LockListener> event) {
        for (LockListener listener : listeners) {
            try {
                event.accept(listener);
            }
            catch (RuntimeException ex) {
                logger.warn("{}: a lock listener failed", id, ex);
            }
        }
    }

    private LockInterruptedException interrupted(InterruptedException ex) {
        Thread.currentThread().interrupt();
        return new LockInterruptedException(id.describe("interrupted while waiting for the lock"), ex);
    }

    /** One acquisition on the backend, from acquire to release; renewed on the shared scheduler. */
    private final class Hold {

        final String owner;

        final long token;

        private final LockSettings settings;

        /** When the backend lets the lock expire unless renewed, in {@link System#nanoTime()}. */
        private volatile long deadline;

        private volatile boolean lost;

        private boolean ended;

        private Renewals.@Nullable Renewal renewal;

        Hold(String owner, long token, LockSettings settings, long sent) {
            this.owner = owner;
            this.token = token;
            this.settings = settings;
            Duration expire = settings.expire();
            this.deadline = expire == null ? 0 : sent + expire.toNanos();
        }

        @Nullable Duration expire() {
            return settings.expire();
        }

        boolean renewable() {
            return settings.autoRenew() && settings.expire() != null;
        }

        long renewPeriod() {
            Duration expire = settings.expire();
            return expire == null ? 0 : Math.max(MILLI, expire.toNanos() / 3);
        }

        boolean valid() {
            return !lost && (settings.expire() == null || System.nanoTime() - deadline < 0);
        }

        synchronized void scheduleRenewal(long delayNanos) {
            if (!ended) {
                renewal = Renewals.schedule(this::renewInBackground, delayNanos);
            }
        }

        /** Stops renewal; returns whether the hold had been lost. */
        synchronized boolean end() {
            ended = true;
            if (renewal != null) {
                renewal.cancel();
            }
            return lost;
        }

        void renewed(boolean renewed, long sent, String lossReason) {
            LockLostException loss = null;
            synchronized (this) {
                Duration expire = settings.expire();
                if (ended) {
                    // Released meanwhile: a renewal that raced the release says nothing about a loss.
                    return;
                }
                if (renewed && expire != null) {
                    deadline = sent + expire.toNanos();
                }
                else if (!renewed) {
                    loss = markLost(lossReason);
                }
            }
            announce(loss);
        }

        private void renewInBackground() {
            synchronized (this) {
                if (ended || lost) {
                    return;
                }
            }
            long sent = System.nanoTime();
            boolean renewed;
            try {
                renewed = id.backend().renew(id.key(), owner, settings.expire());
            }
            catch (RuntimeException ex) {
                announce(renewalFailed(ex));
                return;
            }
            renewed(renewed, sent, "renewal found it expired or taken over");
            if (renewed) {
                scheduleRenewal(renewPeriod());
            }
        }

        private synchronized @Nullable LockLostException renewalFailed(RuntimeException ex) {
            if (ended) {
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return markLost("renewal kept failing until it expired (" + ex.getMessage() + ")");
            }
            // A failed keep-alive is not a lost lock: retry until the lock would expire.
            logger.debug("{}: renewal failed, retrying", id, ex);
            long retry = Math.max(MILLI * 50, Math.min(renewPeriod() / 4, settings.retryInterval().toNanos()));
            scheduleRenewal(Math.min(retry, left));
            return null;
        }

        /** Marks the hold lost, under this monitor; returns the loss to announce once the monitor is left. */
        private @Nullable LockLostException markLost(String reason) {
            if (lost) {
                return null;
            }
            lost = true;
            return new LockLostException(id.describe("lost: " + reason
                    + ". The integrity of data protected by this lock may have been compromised"));
        }

        private void announce(@Nullable LockLostException loss) {
            if (loss == null) {
                return;
            }
            logger.warn(loss.getMessage());
            tell(listener -> listener.lost(id.name(), loss));
        }
    }
}
