package dev.sherlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One acquisition on the backend, from acquire to release: its owner and fencing token, the deadline until which
 * its holder may believe it holds the lock, its renewal and the watchdog that declares it lost at that deadline.
 *
 * <p>The deadline is measured from when the acquire or renew request was <em>sent</em>, and ends a safety margin
 * ({@link #margin}) before the backend's own expiry, so that a waiter woken by the expiry never overlaps a holder
 * that still believes. A reply that arrives after the deadline does not revive the hold.
 *
 * <p>On the hot path a hold has one scheduled task: its first renewal (or, without auto-renew, its watchdog). The
 * watchdog of a renewed hold is armed while a renewal is under way, so a renewal call that hangs cannot keep the hold
 * alive past its deadline.
 *
 * <p>Kept whole: the deadline, the renewals and the watchdog of one acquisition share one monitor, and the argument
 * that they never let two holders believe at once reads best in one place ({@link RenewalBatch} only groups calls).
 */
final class Hold {

    private static final Logger logger = LoggerFactory.getLogger(Hold.class);

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    /** Fixed part of the margin, for the granularity of clocks and timers (Redlock's 2 ms). */
    private static final long MARGIN_FIXED_NANOS = 2 * MILLI;

    final String owner;

    final long token;

    private final LockState state;

    private final LockSettings settings;

    private final Background background;

    private final Thread thread;

    /** Whether an earlier request of this owner may still be applied (resent): clean up after the release. */
    private final boolean uncertain;

    /** When the earliest request that may have created this hold was sent, in {@link System#nanoTime()}. */
    private final long acquired;

    /** When the holder got the lock (the acquire's answer), for a minimum hold. */
    private final long heldSince;

    /** When the request that set the deadline was sent; guarded by this. */
    private long sent;

    /** Until when the holder may believe it holds the lock, in {@link System#nanoTime()}; unused when never. */
    private volatile long deadline;

    private volatile boolean lost;

    /** Guarded by this. */
    private boolean ended;

    /** Whether the backend keeps the lock shorter than the expiry from the start (a reused lease). */
    private final boolean shortened;

    /** Guarded by this. */
    private Renewals.@Nullable Renewal renewal;

    /** Guarded by this. */
    private Renewals.@Nullable Renewal watchdog;

    /** Whether a background renewal call is under way; guarded by this. */
    private boolean renewing;

    /** Told about this hold's renewals and how it ends. */
    final LockObserver.Holding observation;

    /** The error of the latest failed renewal, if the latest renewal failed. */
    private volatile @Nullable RuntimeException renewalError;

    /**
     * @param sent when the earliest request that may have created this hold was sent
     * @param validFor how long the backend guarantees the lock from {@code sent}, if less than the expiry
     * @param uncertain whether an earlier request of this owner may still be applied later
     * @param observation told about this hold's renewals and how it ends
     */
    Hold(LockState state, String owner, long token, LockSettings settings, long sent, @Nullable Duration validFor,
            boolean uncertain, LockObserver.Holding observation) {
        this.state = state;
        this.owner = owner;
        this.token = token;
        this.settings = settings;
        this.background = state.background();
        this.thread = Thread.currentThread();
        this.uncertain = uncertain;
        this.acquired = sent;
        this.heldSince = System.nanoTime();
        this.sent = sent;
        Duration expire = settings.expire();
        this.deadline = expire == null ? 0 : deadline(sent, expire, validFor);
        this.shortened = expire != null && validFor != null && validFor.compareTo(expire) < 0;
        this.observation = observation;
    }

    /**
     * How much sooner than the backend's expiry a holder stops believing it holds the lock: 1 % of the expiry for
     * the drift between the client's and the server's clocks, plus 2 ms, as Redlock's validity check.
     */
    static long margin(Duration expire) {
        return expire.toNanos() / 100 + MARGIN_FIXED_NANOS;
    }

    /** The deadline of a hold whose acquire or renew request was sent at {@code sent}. */
    static long deadline(long sent, Duration expire) {
        return sent + expire.toNanos() - margin(expire);
    }

    /**
     * The deadline of a hold whose acquire request was sent at {@code sent}, when the backend reported that the lock
     * lives only {@code validFor} from then (a reused lease, a hand-over): believed for the shorter of the two, less
     * the margin of that, and renewed in
     * time by auto-renew. Without auto-renew, such a hold is renewed once at the start ({@link #start}), so it
     * lives the full expiry the caller asked for.
     */
    static long deadline(long sent, Duration expire, @Nullable Duration validFor) {
        if (validFor == null || validFor.compareTo(expire) >= 0) {
            return deadline(sent, expire);
        }
        // The margin of what it lives: 1 % of a five-minute expiry would outlast a two-second hand-over.
        return sent + validFor.toNanos() - margin(validFor);
    }

    @Nullable Duration expire() {
        return settings.expire();
    }

    /**
     * Starts the renewals or, without auto-renew, the watchdog. Without auto-renew, a hold the backend keeps
     * shorter than the expiry is renewed once at once (in the background), so the caller gets the expiry asked for;
     * until that renewal is answered the hold is believed only as long as the backend keeps it.
     */
    synchronized void start() {
        if (settings.expire() == null) {
            return;
        }
        if (settings.autoRenew() || shortened) {
            long delay = settings.autoRenew() ? nextRenewal() : 0;
            renewal = background.schedule(new RenewalTask(this), delay, patience(delay));
        }
        else {
            armWatchdog();
        }
    }

    boolean lost() {
        return lost;
    }

    long heldSince() {
        return heldSince;
    }

    /** Until when the holder may believe it holds the lock; meaningless for a lock that never expires. */
    long deadline() {
        return deadline;
    }

    /** Whether the holder may still believe it holds the lock. */
    boolean valid() {
        return validAt(System.nanoTime());
    }

    /** This hold as an operator sees it at {@code now}, with {@code waiters} more threads waiting. */
    LockSnapshot snapshot(LockId id, long now, int waiters) {
        Duration left = settings.expire() == null ? null : Duration.ofNanos(Math.max(0, deadline - now));
        return new LockSnapshot(id.name(), id.namespace(), id.backend().name(), true, token, thread.getName(),
                Duration.ofNanos(now - acquired), lost ? Duration.ZERO : left, waiters);
    }

    boolean validAt(long now) {
        return !lost && (settings.expire() == null || now - deadline < 0);
    }

    /** Stops renewal and the watchdog; returns whether the hold had been lost. */
    boolean end() {
        boolean lost = endKeeping();
        if (uncertain) {
            // A request of this owner resent after the release would take the lock again, for nobody.
            Orphans.releaseLater(background, state.id(), owner);
        }
        return lost;
    }

    /** As {@link #end()}, but the owner stays on the backend on purpose: no clean-up of resent requests yet. */
    boolean endKeeping() {
        synchronized (this) {
            ended = true;
            cancelTasks();
        }
        return lost;
    }

    boolean uncertain() {
        return uncertain;
    }

    /**
     * Records the answer to a renew request sent at {@code sent}. A renewal that arrives after the deadline does not
     * revive the hold: it was declared lost at the deadline.
     * @return whether the hold is renewed
     */
    boolean renewed(boolean renewed, long renewSent, String lossReason, LockObserver.Renewing observed) {
        List<Runnable> later = new ArrayList<>(0);
        boolean extended = settle(renewed, renewSent, lossReason, observed, later);
        later.forEach(Runnable::run);
        return extended;
    }

    /**
     * As {@link #renewed}, but the announcement of a loss it finds is added to {@code later}, for the caller to run
     * once nothing else waits for it (the rest of a batch).
     */
    private boolean settle(boolean renewed, long renewSent, String lossReason, LockObserver.Renewing observed,
            List<Runnable> later) {
        LockLostException loss = null;
        boolean extended = false;
        boolean endedMeanwhile = false;
        synchronized (this) {
            Duration expire = settings.expire();
            if (ended) {
                // Released meanwhile: a renewal that raced the release says nothing about a loss.
                endedMeanwhile = true;
            }
            else if (!renewed) {
                loss = markLost(lossReason);
            }
            else if (expire == null) {
                extended = !lost;
            }
            else if (lost || System.nanoTime() - deadline >= 0) {
                loss = markLost("renewal was answered after the lock's deadline");
            }
            else {
                sent = renewSent;
                deadline = deadline(renewSent, expire);
                extended = true;
                if (settings.autoRenew() && !renewing) {
                    // No renewal call is under way that could hang: the next one arms the watchdog again. (While
                    // one is, the watchdog stays and moves itself to the new deadline when it fires.)
                    cancel(watchdog);
                    watchdog = null;
                }
            }
        }
        if (endedMeanwhile) {
            // The renewal still ends: as renewed, since the hold stayed whole until its release (a "no" here only
            // means the release came first, not that the lock was lost).
            observed.renewed();
            return renewed;
        }
        if (extended) {
            observed.renewed();
        }
        else {
            observed.lost();
        }
        if (loss != null) {
            LockLostException found = loss;
            later.add(() -> announce(found));
        }
        return extended;
    }

    /** The hold is found expired by its own thread (a reentrant acquire or a renew after the deadline). */
    void expiredNow() {
        LockLostException loss;
        synchronized (this) {
            loss = ended ? null : markLost(lossAtDeadline());
        }
        announce(loss);
    }

    private void armWatchdog() {
        cancel(watchdog);
        watchdog = background.watch(this::checkDeadline, deadline - System.nanoTime());
    }

    private void checkDeadline() {
        LockLostException loss = null;
        synchronized (this) {
            if (ended || lost) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left > Renewals.BATCH_NANOS) {
                // Renewed meanwhile: watch the new deadline. (Declaring a loss a few ms early is the safe side.)
                armWatchdog();
            }
            else {
                loss = markLost(lossAtDeadline());
            }
        }
        announce(loss);
    }

    private String lossAtDeadline() {
        RuntimeException error = renewalError;
        if (!settings.autoRenew()) {
            return "it expired (held past its expire of " + settings.expire() + ", and auto-renew is off)";
        }
        return error == null ? "its deadline passed while its renewal got no answer"
                : "renewal kept failing until its deadline (" + error.getMessage() + ")";
    }

    /**
     * Renews this hold; on a backend that {@linkplain LockBackend#renewsInBatches() renews in batches}, together with
     * the renewals of other holds that wait in the lane's queue meanwhile ({@link RenewalBatch}).
     */
    private void renewInBackground() {
        LockBackend backend = backend();
        RenewalBatch.renew(backend, backend.renewsInBatches() && background.lane instanceof Workers workers
                ? RenewalBatch.withQueued(this, backend, workers) : List.of(this));
    }

    /**
     * Starts a renewal: arms the watchdog and marks the call under way. {@code false} if there is nothing to renew:
     * the hold ended or was lost, or its thread ended without releasing it (then it is let go and declared lost).
     */
    boolean startRenewal(List<Runnable> later) {
        LockLostException abandoned;
        synchronized (this) {
            if (ended || lost) {
                return false;
            }
            if (thread.isAlive()) {
                armWatchdog();
                renewing = true;
                return true;
            }
            abandoned = markLost("its thread " + thread.getName() + " ended without releasing it");
        }
        // Nobody can release it any more: let it go rather than keep it for nobody.
        Orphans.release(background, state.id(), owner);
        if (abandoned != null) {
            later.add(() -> announce(abandoned));
        }
        return false;
    }

    void renewalAnswered(boolean renewed, long renewSent, LockObserver.Renewing observed,
            List<Runnable> later) {
        renewalDone();
        renewalError = null;
        if (settle(renewed, renewSent, "renewal found it expired or taken over", observed, later)
                && settings.autoRenew()) {
            scheduleRenewal(nextRenewal());
        }
    }

    void renewalFailed(RuntimeException ex, LockObserver.Renewing observed, List<Runnable> later) {
        observed.failed(ex);
        renewalDone();
        renewalError = ex;
        retryRenewal(ex, later);
    }

    /**
     * A JVM error from the client (a missing class, no memory): no renewal can be counted on, so the hold is lost now
     * rather than at its deadline. The caller rethrows a {@link VirtualMachineError}.
     */
    void renewalBroke(Error ex, LockObserver.Renewing observed, List<Runnable> later) {
        observed.failed(state.failure("renew", ex));
        renewalDone();
        LockLostException loss;
        synchronized (this) {
            loss = ended ? null : markLost("renewal failed with " + ex);
        }
        if (loss != null) {
            later.add(() -> announce(loss));
        }
        if (!(ex instanceof VirtualMachineError)) {
            logger.error("{}: renewal failed with an error of the JVM; the hold is lost", state.id(), ex);
        }
    }

    /** The backend of this hold's lock. */
    LockBackend backend() {
        return state.id().backend();
    }

    /** What {@link LockBackend#renewAll} needs to renew this hold. */
    HeldKey heldKey() {
        return new HeldKey(state.id().key(), owner, settings.expire());
    }

    /** The scheduled renewal of a hold, recognisable in the lane's queue so that due renewals can go together. */
    record RenewalTask(Hold hold) implements Runnable {

        @Override
        public void run() {
            hold.renewInBackground();
        }
    }

    private synchronized void renewalDone() {
        renewing = false;
    }

    /** A failed renewal is not a lost lock: retry until the deadline, where the watchdog declares the loss. */
    private void retryRenewal(RuntimeException ex, List<Runnable> later) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || LockState.isPermanent(ex)) {
            LockLostException loss;
            synchronized (this) {
                loss = ended ? null : markLost(lossAtDeadline());
            }
            if (loss != null) {
                later.add(() -> announce(loss));
            }
            return;
        }
        logger.debug("{}: renewal failed, retrying", state.id(), ex);
        long retry = Math.max(MILLI * 20, Math.min(renewPeriod() / 4, settings.retryInterval().toNanos()));
        scheduleRenewal(Math.min(retry, left / 2));
    }

    private synchronized void scheduleRenewal(long delayNanos) {
        if (!ended && !lost) {
            renewal = background.schedule(new RenewalTask(this), delayNanos, patience(delayNanos));
        }
    }

    /**
     * How long a renewal due in {@code delayNanos} may wait for a thread of its lane: a tenth of what is left of the
     * hold from then, so a burst of renewals of long-lived locks queues on one thread, while a short-lived lock's
     * renewal gets another thread soon enough: below {@link Workers#STALL_NANOS}, at once if every thread is busy.
     */
    private long patience(long delayNanos) {
        long left = deadline - System.nanoTime() - delayNanos;
        return Math.max(0, left / 10);
    }

    /**
     * A third of the expiry after the request that set the deadline was sent, so two renewals may fail before the
     * deadline; and never later than halfway to the deadline, however late that request was answered.
     */
    private synchronized long nextRenewal() {
        long now = System.nanoTime();
        long byPeriod = sent + renewPeriod() - now;
        long halfway = (deadline - now) / 2;
        return Math.max(0, Math.min(byPeriod, halfway));
    }

    private long renewPeriod() {
        Duration expire = settings.expire();
        return expire == null ? 0 : Math.max(MILLI, expire.toNanos() / 3);
    }

    /**
     * Reports a loss this hold found (or its release found): ends the hold's observation, logs it and tells the
     * listeners. {@link #markLost} returns a loss once per hold, so this happens once; nothing for {@code null}.
     */
    void announce(@Nullable LockLostException loss) {
        if (loss != null) {
            observation.lost(loss);
            state.announce(loss);
        }
    }

    /** Marks the hold lost, under this monitor; returns the loss to announce once the monitor is left. */
    private @Nullable LockLostException markLost(String reason) {
        if (lost) {
            return null;
        }
        lost = true;
        cancelTasks();
        LockId id = state.id();
        return new LockLostException(id.describe("lost: " + reason
                + ". The integrity of data protected by this lock may have been compromised"), id.name(),
                id.backend().name(), token);
    }

    private void cancelTasks() {
        cancel(renewal);
        cancel(watchdog);
    }

    private static void cancel(Renewals.@Nullable Renewal task) {
        if (task != null) {
            task.cancel();
        }
    }
}
