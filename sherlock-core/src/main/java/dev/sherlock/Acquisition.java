package dev.sherlock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acquire call on the backend, for the thread at the head of the local queue: attempts, waits for a release
 * between them, rides out transient errors until the caller's deadline, and checks late replies.
 *
 * <p>All attempts of one call use one owner token, so an attempt whose request reached the backend without an answer
 * (a lost reply, a timeout, a connection reset) is found by the next attempt as held by its own owner, which the SPI
 * answers as acquired. If the call gives up after such an attempt, that owner is released in the background, so
 * nothing stays locked by nobody.
 */
final class Acquisition {

    private static final Logger logger = LoggerFactory.getLogger(Acquisition.class);

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    /** The longest a backend that keeps seeing the lock held puts off a waiter's next attempt, if retries are sooner. */
    static final Duration VOUCHED_WAIT = Duration.ofSeconds(1);

    private final LockState state;

    private final LockId id;

    private final LockSettings settings;

    /** Told the fencing token when the lock is acquired; the caller tells it every other ending. */
    private final LockObserver.Acquiring observing;

    /** Whether the backend granted the lock to the current owner (a late grant is let go at once). */
    private boolean granted;

    /** Whether {@link #observing} was told the lock was acquired (even if that call then failed). */
    private boolean toldAcquired;

    boolean toldAcquired() {
        return toldAcquired;
    }

    /** The observed hold, once {@link #observing} was told the lock was acquired. */
    private LockObserver.@Nullable Holding holding;

    Acquisition(LockState state, LockSettings settings, LockObserver.Acquiring observing) {
        this.state = state;
        this.id = state.id();
        this.settings = settings;
        this.observing = observing;
    }

    /**
     * Acquires the backend lock by {@code deadline} ({@link System#nanoTime()}), or with one attempt.
     * @return whether it was acquired; the hold is then the state's
     */
    boolean run(long deadline, boolean once) {
        LockBackend backend = id.backend();
        Duration expire = settings.expire();
        String owner = Owners.next();
        // Whether a request of this owner may have been applied without our knowing, or may still be (a failed
        // request can be resent by the client), and since when: the backend's expiry may count from then.
        boolean uncertain = false;
        long uncertainSince = 0;
        long backoff = LockState.FIRST_BACKOFF_NANOS;
        // Whether an attempt of this owner put it in line, so a release may hand it the lock until it gives up.
        boolean inLine = false;
        boolean acquired = false;
        try {
            while (true) {
                String attemptOwner = owner;
                long sent = System.nanoTime();
                // A caller that will wait says when it tries again, so a fair backend can put it in line.
                long nextAttemptWithin = once ? 0 : Math.min(settings.retryInterval().toNanos(), deadline - sent);
                AcquireResult result;
                try {
                    result = LockState.uninterruptibly(() -> nextAttemptWithin > 0
                            ? backend.tryAcquire(id.key(), attemptOwner, expire, Duration.ofNanos(nextAttemptWithin))
                            : backend.tryAcquire(id.key(), attemptOwner, expire));
                }
                catch (RuntimeException ex) {
                    if (!uncertain) {
                        uncertain = true;
                        uncertainSince = sent;
                    }
                    long remaining = deadline - System.nanoTime();
                    if (once || remaining <= 0 || LockState.isPermanent(ex)) {
                        throw state.wrap("acquire", ex, "It was not acquired");
                    }
                    logger.debug("{}: acquire attempt failed, retrying", id, ex);
                    pause(Math.min(backoff, remaining));
                    backoff = LockState.nextBackoff(backoff, settings);
                    continue;
                }
                catch (Error ex) {
                    // The request may have been applied (the error came while reading the reply): release the owner.
                    if (!uncertain) {
                        uncertain = true;
                        uncertainSince = sent;
                    }
                    throw ex;
                }
                backoff = LockState.FIRST_BACKOFF_NANOS;
                long base = uncertain ? uncertainSince : sent;
                boolean lateAnswer = false;
                if (result.acquired()) {
                    if (hold(owner, result.fencingToken(), base, result.validFor(), uncertain)) {
                        acquired = true;
                        return true;
                    }
                    lateAnswer = true;
                    logger.warn("{}", id.describe("the backend's answer to acquire came after the lock could have"
                            + " expired (expire " + expire + "); not counted as acquired, releasing it"));
                }
                else {
                    inLine |= result.inLine();
                }
                if (lateAnswer || uncertain) {
                    // Let this owner go (a request of it may still be resent), and go on under a new one.
                    Orphans.release(state.background(), id, owner);
                    owner = Owners.next();
                    uncertain = false;
                    inLine = false;
                }
                long remaining = deadline - System.nanoTime();
                if (once || remaining <= 0) {
                    return false;
                }
                if (!result.acquired()) {
                    WaitOutcome handed = awaitChance(owner, result.holderRemaining(), result.observedVersion(),
                            deadline);
                    if (handed != null) {
                        // The release came after this attempt, so the lock lives at least from the attempt's start.
                        if (hold(owner, handed.fencingToken(), sent, handed.validFor(), false)) {
                            acquired = true;
                            return true;
                        }
                        logger.warn("{}", id.describe("the lock was handed over after it could have expired (expire "
                                + expire + "); not counted as acquired, releasing it"));
                        // Nothing of this owner can be resent (its requests all had answers): one release will do.
                        Orphans.releaseWaiter(state.background(), id, owner);
                        owner = Owners.next();
                        inLine = false;
                    }
                }
            }
        }
        finally {
            if (!acquired && granted) {
                // Something failed (a JVM error) between the backend's yes and the hold: give the lock back.
                state.dropHold();
            }
            if (!acquired && (uncertain || granted)) {
                Orphans.release(state.background(), id, owner);
            }
            else if (!acquired && inLine) {
                // Out of the line at once, in the background (the caller's timeout allows no further round trip):
                // a release that handed it the lock just now has it given back, and no later one chooses it.
                Orphans.releaseWaiter(state.background(), id, owner);
            }
        }
    }

    /**
     * Takes the hold the backend granted, unless its lifetime, counted from {@code base}, has already ended.
     * @return whether the lock is held
     */
    private boolean hold(String owner, long fencingToken, long base, @Nullable Duration validFor, boolean uncertain) {
        Duration expire = settings.expire();
        if (expire != null && System.nanoTime() - Hold.deadline(base, expire, validFor) >= 0) {
            // Redlock's validity check: the lock may already have expired on the backend.
            return false;
        }
        granted = true;
        toldAcquired = true;
        holding = observing.acquired(fencingToken);
        state.held(new Hold(state, owner, fencingToken, settings, base, validFor, uncertain, holding));
        return true;
    }

    /**
     * The hold's observation if the observer was told the lock was acquired, so an acquire that fails after that
     * ends the hold rather than the acquire.
     */
    LockObserver.@Nullable Holding holding() {
        return holding;
    }

    /**
     * Waits after a failed attempt until the lock may be free, the next attempt is due (a retry interval after this
     * one, so a lost notification never stalls the waiter), the holder's known lifetime ends, or the caller's
     * deadline. A backend that sees the lock still held (a renewal, a watch the server confirmed) lets it wait on
     * without an attempt; if it still vouches for the holder when the retry interval ends, the attempt is put off by
     * another retry interval, up to {@link #VOUCHED_WAIT} after the failed attempt, so a wrong answer costs at most that.
     * @return the outcome if the backend handed the lock to this waiter, else {@code null}
     */
    private @Nullable WaitOutcome awaitChance(String owner, @Nullable Duration holderRemaining, long observedVersion,
            long deadline) {
        long now = System.nanoTime();
        long retry = settings.retryInterval().toNanos();
        long until = Math.min(deadline, now + retry);
        long latest = Math.min(deadline, now + Math.max(retry, VOUCHED_WAIT.toNanos()));
        if (holderRemaining != null) {
            long holderEnds = now + holderRemaining.toNanos() + MILLI;
            until = Math.min(until, holderEnds);
            latest = Math.min(latest, holderEnds);
        }
        long observed = observedVersion;
        // Whether the backend has answered "still held" (every other answer ends the wait at once).
        boolean vouched = false;
        while (true) {
            now = System.nanoTime();
            if (until - now <= 0) {
                if (!vouched || latest - now <= 0) {
                    return null;
                }
                until = Math.min(latest, now + retry);
            }
            WaitOutcome outcome = awaitRelease(owner, observed, until - now);
            if (outcome.acquired()) {
                return outcome;
            }
            if (outcome.mayBeFree()) {
                return null;
            }
            vouched = true;
            if (outcome.observedVersion() != 0) {
                observed = outcome.observedVersion();
            }
            Duration remaining = outcome.holderRemaining();
            if (remaining != null) {
                long holderEnds = System.nanoTime() + remaining.toNanos() + MILLI;
                until = Math.min(until, holderEnds);
                latest = Math.min(latest, holderEnds);
            }
        }
    }

    private WaitOutcome awaitRelease(String owner, long observedVersion, long waitNanos) {
        try {
            try {
                WaitOutcome outcome = id.backend().awaitRelease(id.key(), owner, observedVersion,
                        Duration.ofNanos(waitNanos));
                return outcome != null ? outcome : WaitOutcome.tryAgain();
            }
            catch (RuntimeException ex) {
                // A failed notification must not stall the waiter: fall back to polling.
                logger.debug("{}: waiting for a release notification failed, polling instead", id, ex);
                TimeUnit.NANOSECONDS.sleep(waitNanos);
                return WaitOutcome.tryAgain();
            }
        }
        catch (InterruptedException ex) {
            throw state.interrupted(ex);
        }
    }

    private void pause(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
        catch (InterruptedException ex) {
            throw state.interrupted(ex);
        }
    }
}
