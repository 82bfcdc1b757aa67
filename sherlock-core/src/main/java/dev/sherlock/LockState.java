package dev.sherlock;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hold state of one lock in this JVM and the generic algorithm over the SPI: local queueing and reentrancy,
 * release, renew and listeners. Waiting for the backend lock lives in {@link Acquisition}; one acquisition's renewal
 * and loss in {@link Hold}.
 *
 * <p>A fair local lock orders the threads of this JVM: only the thread at its head talks to the backend, so local
 * waiters queue here instead of all polling the server, and its hold count is the reentrancy count.
 *
 * <p>Kept whole (a little over 300 lines): local queueing, release and renew share the local lock and the current
 * hold.
 */
final class LockState {

    private static final Logger logger = LoggerFactory.getLogger(LockState.class);

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    /** First pause after a transient backend error; it doubles up to the retry interval. */
    static final long FIRST_BACKOFF_NANOS = 10 * MILLI;

    private final LockId id;

    private final Watchers watchers;

    private final ReentrantLock local = new ReentrantLock(true);

    /** Where this lock's renewals, watchdogs and clean-ups run; closed with its registry. */
    private final Background background;

    /** The backend hold of the thread that owns {@link #local}; written only by that thread. */
    private volatile @Nullable Hold hold;

    /** Outstanding acquisitions and waiters of a registry entry; changed only inside the registry's map. */
    int users;

    /**
     * @param background the registry's or the standalone handle's, looked up once, not per hold
     */
    LockState(LockId id, Watchers watchers, Background background) {
        this.id = id;
        this.watchers = watchers;
        this.background = background;
    }

    LockId id() {
        return id;
    }

    Background background() {
        return background;
    }

    /**
     * Acquires for the current thread: in this JVM first, then on the backend. Observed unless reentrant, from the
     * call to the lock held or given up.
     */
    boolean acquire(LockSettings settings, Duration timeout) {
        long start = System.nanoTime();
        long timeoutNanos = timeout.toNanos();
        boolean reentrant = local.isHeldByCurrentThread();
        if (!reentrant && background.closed()) {
            throw closed();
        }
        LockObserver.Acquiring observing = reentrant ? Observers.NONE
                : watchers.observer().acquireStarted(id.name(), id.backend().name());
        boolean localHeld;
        try {
            localHeld = timeoutNanos == 0 ? local.tryLock() : local.tryLock(timeoutNanos, TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            LockInterruptedException interrupted = interrupted(ex);
            observing.failed(interrupted);
            throw interrupted;
        }
        if (!localHeld) {
            observing.notAcquired(timeoutNanos != 0);
            return false;
        }
        if (local.getHoldCount() > 1) {
            reenter();
            return true;
        }
        if (background.closed()) {
            // Closed while this thread queued behind another.
            local.unlock();
            LockException closed = closed();
            observing.failed(closed);
            throw closed;
        }
        boolean acquired = false;
        Acquisition acquisition = new Acquisition(this, settings, observing);
        try {
            acquired = acquisition.run(start + timeoutNanos, timeoutNanos == 0);
            if (!acquired) {
                observing.notAcquired(timeoutNanos != 0);
            }
            return acquired;
        }
        catch (RuntimeException | Error ex) {
            RuntimeException failure = failure("acquire", ex);
            LockObserver.Holding holding = acquisition.holding();
            if (holding == null) {
                if (!acquisition.toldAcquired()) {
                    observing.failed(failure);
                }
            }
            else {
                holding.releaseFailed(failure);
            }
            throw ex;
        }
        finally {
            if (!acquired) {
                local.unlock();
            }
        }
    }

    /** Refuses a minimum hold nothing would end if this process stopped, or that the lock's expiry cannot keep. */
    void checkMinimumHold(Duration minimum) {
        Hold current = this.hold;
        Duration expire = current == null ? null : current.expire();
        String problem = minimum.isNegative() ? "is negative"
                : current == null || local.getHoldCount() > 1 ? null
                : expire == null ? "is set, but the lock never expires, so if this process stopped before the time was"
                        + " up, nothing would ever release it. Give the lock an expire"
                : minimum.compareTo(expire) > 0 ? "is longer than the lock's expire " + expire + ". Make the"
                        + " minimum shorter or the expire longer"
                : null;
        if (problem != null) {
            throw new LockConfigurationException(id.describe("cannot be released: its minimum hold " + minimum + " "
                    + problem + "; it is still held"));
        }
    }

    /**
     * Releases like {@link #release(LockSettings)}, but keeps the lock on the backend until it has been held
     * {@code minimum}: renewal stops, an expiry that would end it sooner is extended once, and an owner-checked
     * release is scheduled in the background.
     */
    void release(LockSettings settings, Duration minimum) {
        if (!local.isHeldByCurrentThread()) {
            throw new LockException(id.describe("cannot release: the current thread does not hold it"));
        }
        Hold ending = this.hold;
        if (ending == null || local.getHoldCount() > 1) {
            release(settings);
            return;
        }
        long now = System.nanoTime();
        // At most the expiry (checkMinimumHold), so this does not overflow.
        long keepNanos = ending.heldSince() + minimum.toNanos() - now;
        if (keepNanos <= 0 || !ending.valid()) {
            release(settings);
            return;
        }
        this.hold = null;
        try {
            if (ending.endKeeping()) {
                if (ending.uncertain()) {
                    Orphans.releaseLater(background, id, ending.owner);
                }
                // Lost just now: the usual clean-up of a lost hold.
                Orphans.release(background, id, ending.owner);
                throw lostBeforeRelease(ending);
            }
            Duration expire = Objects.requireNonNull(ending.expire(), "checked by checkMinimumHold");
            if (ending.deadline() - (now + keepNanos) < 0) {
                extendForMinimum(ending, expire, minimum);
            }
            String owner = ending.owner;
            boolean uncertain = ending.uncertain();
            background.schedule(() -> releaseKept(owner, uncertain), keepNanos);
            ending.observation.released();
            logger.debug("{}: released; kept on the backend for {} ms more, its minimum hold", id,
                    TimeUnit.NANOSECONDS.toMillis(keepNanos));
            tell(listener -> listener.released(id.name()));
        }
        finally {
            local.unlock();
        }
    }

    /** Renews once a hold whose deadline comes before its minimum hold ends; a failure only costs the minimum. */
    private void extendForMinimum(Hold ending, Duration expire, Duration minimum) {
        boolean renewed;
        try {
            renewed = call("renew", "It may be free before its minimum hold",
                    () -> id.backend().renew(id.key(), ending.owner, expire));
        }
        catch (LockException ex) {
            logger.warn("{} (minimum hold {})", ex.getMessage(), minimum);
            return;
        }
        catch (Error ex) {
            if (ex instanceof VirtualMachineError) {
                throw ex;
            }
            // Like a failed renew: it only costs the minimum.
            logger.warn("{}: renew for the minimum hold {} failed", id, minimum, ex);
            return;
        }
        if (!renewed) {
            LockLostException loss = lostBeforeRelease(ending);
            ending.announce(loss);
            throw loss;
        }
    }

    /** The scheduled release of a lock kept for its minimum hold; a failed one is retried as a clean-up. */
    private void releaseKept(String owner, boolean uncertain) {
        if (uncertain) {
            // Only now may a resent acquire request of this owner be cleaned up.
            Orphans.releaseLater(background, id, owner);
        }
        try {
            boolean released = uninterruptibly(() -> id.backend().release(id.key(), owner));
            logger.debug("{}: minimum hold over; {}", id, released ? "released" : "it had already expired");
        }
        catch (RuntimeException | LinkageError ex) {
            logger.debug("{}: release after the minimum hold failed; retrying in the background", id, ex);
            Orphans.release(background, id, owner);
        }
    }

    private LockException closed() {
        return new LockException(id.describe("cannot be acquired: its registry is closed"));
    }

    /** A nested acquire re-enters only a hold its thread may still believe in. */
    private void reenter() {
        Hold current = this.hold;
        if (current != null && current.valid()) {
            return;
        }
        if (current != null) {
            current.expiredNow();
        }
        local.unlock();
        throw new LockLostException(id.describe("cannot re-enter: this thread's hold was lost (expired or taken"
                + " over). Release it first"), id.name(), id.backend().name(), current == null ? 0 : current.token);
    }

    /** Makes {@code started} the hold of the thread that owns the local lock, and tells the listeners. */
    void held(Hold started) {
        this.hold = started;
        started.start();
        logger.debug("{}: acquired with fencing token {}", id, started.token);
        tell(listener -> listener.acquired(id.name(), started.token));
    }

    /** Ends a hold that {@link #held} installed but whose acquire then failed. */
    void dropHold() {
        Hold dropped = this.hold;
        this.hold = null;
        if (dropped != null) {
            dropped.end();
        }
    }

    /** What observers are told of a failure: itself, or a JVM error (from a client library) wrapped. */
    RuntimeException failure(String operation, Throwable ex) {
        return ex instanceof RuntimeException runtime ? runtime
                : new LockBackendException(id.describe(operation + " failed: " + ex), ex);
    }

    void release(LockSettings settings) {
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
            boolean lostBefore = ending.end();
            boolean released;
            try {
                released = releaseOnBackend(ending, settings, lostBefore);
            }
            catch (Error ex) {
                // A JVM error from the client: whether it released is unknown, so release in the background.
                Orphans.release(background, id, ending.owner);
                if (!lostBefore) {
                    ending.observation.releaseFailed(failure("release", ex));
                }
                throw ex;
            }
            catch (LockException ex) {
                if (!lostBefore) {
                    ending.observation.releaseFailed(ex);
                    throw ex;
                }
                LockLostException loss = lostBeforeRelease(ending);
                loss.addSuppressed(ex);
                throw loss;
            }
            if (lostBefore || !released) {
                LockLostException loss = lostBeforeRelease(ending);
                if (!lostBefore) {
                    ending.announce(loss);
                }
                throw loss;
            }
            ending.observation.released();
            logger.debug("{}: released", id);
            tell(listener -> listener.released(id.name()));
        }
        finally {
            local.unlock();
        }
    }

    private LockLostException lostBeforeRelease(Hold ending) {
        return new LockLostException(id.describe("was lost before it was released (expired or taken over). The"
                + " integrity of data protected by this lock may have been compromised"), id.name(),
                id.backend().name(), ending.token);
    }

    /**
     * Releases on the backend, retrying transient errors until the timeout or the hold's deadline, whichever is
     * first (afterwards the lock expires on its own; a lock that never expires is left to the background clean-up).
     * When an attempt failed (it may have been applied) and a later one finds the lock no longer ours, the earlier
     * one released it if the hold was still valid when it was sent: that is no loss.
     */
    private boolean releaseOnBackend(Hold ending, LockSettings settings, boolean lostBefore) {
        long first = System.nanoTime();
        long window = lostBefore ? 0 : settings.timeout().toNanos();
        if (ending.expire() != null) {
            window = Math.min(window, Math.max(0, ending.deadline() - first));
        }
        long giveUp = first + window;
        boolean validAtFirst = ending.validAt(first);
        boolean uncertain = false;
        long backoff = FIRST_BACKOFF_NANOS;
        while (true) {
            try {
                boolean released = uninterruptibly(() -> id.backend().release(id.key(), ending.owner));
                return released || (uncertain && validAtFirst);
            }
            catch (RuntimeException ex) {
                uncertain = true;
                long remaining = giveUp - System.nanoTime();
                if (remaining <= 0 || isPermanent(ex) || Thread.currentThread().isInterrupted()) {
                    Orphans.release(background, id, ending.owner);
                    throw wrap("release", ex, "It is released in the background; until then others wait for it");
                }
                logger.debug("{}: release attempt failed, retrying", id, ex);
                try {
                    TimeUnit.NANOSECONDS.sleep(Math.min(backoff, remaining));
                }
                catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                backoff = nextBackoff(backoff, settings);
            }
        }
    }

    /** Pauses after transient errors double, up to the retry interval. */
    static long nextBackoff(long backoff, LockSettings settings) {
        return Math.min(backoff * 2, Math.max(FIRST_BACKOFF_NANOS, settings.retryInterval().toNanos()));
    }

    boolean renew() {
        Hold current = heldHold("renew");
        if (!current.valid()) {
            if (!current.lost()) {
                current.expiredNow();
            }
            return false;
        }
        long sent = System.nanoTime();
        LockObserver.Renewing renewing = current.observation.renewStarted();
        boolean renewed;
        try {
            renewed = call("renew", "The hold stays as it was until its deadline",
                    () -> id.backend().renew(id.key(), current.owner, current.expire()));
        }
        catch (LockException | Error ex) {
            renewing.failed(failure("renew", ex));
            throw ex;
        }
        return current.renewed(renewed, sent, "renew found it expired or taken over", renewing);
    }

    long fencingToken() {
        return heldHold("read the fencing token of").token;
    }

    boolean isHeldByCurrentThread() {
        Hold current = this.hold;
        return local.isHeldByCurrentThread() && current != null && current.valid();
    }

    /** This lock as an operator sees it now. */
    LockSnapshot snapshot() {
        Hold current = this.hold;
        int waiters = local.getQueueLength();
        if (current == null) {
            return new LockSnapshot(id.name(), id.namespace(), id.backend().name(), false, 0, null, null, null,
                    waiters);
        }
        return current.snapshot(id, System.nanoTime(), waiters);
    }

    /** Whether the current hold, whichever thread has it, has this token and is valid. */
    boolean isHeld(long fencingToken) {
        Hold current = this.hold;
        return current != null && current.token == fencingToken && current.valid();
    }

    /** The current thread's holds of the local lock; {@code 0} if it holds none. */
    int holdCount() {
        return local.getHoldCount();
    }

    boolean isLocallyHeldByCurrentThread() {
        return local.isHeldByCurrentThread();
    }

    boolean locked() {
        return call("check", "Whether anyone holds it is unknown", () -> id.backend().isLocked(id.key()));
    }

    private Hold heldHold(String action) {
        Hold current = this.hold;
        if (!local.isHeldByCurrentThread() || current == null) {
            throw new LockException(id.describe("cannot " + action + " it: the current thread does not hold it."
                    + " Acquire it first"));
        }
        return current;
    }

    private <T> T call(String operation, String consequence, Supplier<T> call) {
        try {
            return uninterruptibly(call);
        }
        catch (RuntimeException ex) {
            throw wrap(operation, ex, consequence);
        }
    }

    /**
     * Runs a backend call with the thread's interrupt status cleared, then restores it. Interrupts end waits, not
     * the short backend calls: a release in a {@code finally} block of an interrupted thread must still release,
     * and {@code tryLock()} does not respond to interrupts.
     */
    static <T> T uninterruptibly(Supplier<T> call) {
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

    /**
     * Errors that retrying cannot cure: bad configuration, an interrupt, and the programming errors a client library
     * throws for arguments it refuses. Every other failure of a backend call (timeouts, connection resets, a server
     * that is down or failing over) may be transient.
     */
    static boolean isPermanent(RuntimeException ex) {
        return ex instanceof LockConfigurationException || ex instanceof LockInterruptedException
                || StoreException.isProgrammingError(ex);
    }

    /**
     * The one report of a failed backend call: the lock, backend and namespace, the operation, what the store said
     * ({@link StoreException}'s message is in the store's terms; any other exception is named by its type), and the
     * consequence for the caller.
     */
    LockException wrap(String operation, RuntimeException ex, String consequence) {
        if (ex instanceof LockException lockException) {
            return lockException;
        }
        String what = ex instanceof StoreException ? String.valueOf(ex.getMessage()) : ex.toString();
        String sentence = what.endsWith(".") ? what : what + ".";
        return new LockBackendException(id.describe(operation + " failed: " + sentence + " " + consequence), ex);
    }

    /** Logs a loss found by a hold and tells the listeners, once per hold ({@link Hold#announce}). */
    void announce(LockLostException loss) {
        logger.warn(loss.getMessage());
        tell(listener -> listener.lost(id.name(), loss));
    }

    /** Listeners must not break the lock: their failures are logged, never thrown. */
    private void tell(Consumer<LockListener> event) {
        for (LockListener listener : watchers.listeners) {
            try {
                event.accept(listener);
            }
            catch (Throwable ex) {
                if (ex instanceof VirtualMachineError fatal) {
                    throw fatal;
                }
                logger.warn("{}: a lock listener failed", id, ex);
            }
        }
    }

    LockInterruptedException interrupted(InterruptedException ex) {
        Thread.currentThread().interrupt();
        return new LockInterruptedException(id.describe("interrupted while waiting for the lock"), ex);
    }
}
