package dev.sherlock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

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

    /** Until when the holder may believe it holds the lock, in {@link System#nanoTime()}; unused when never. */
    private volatile long deadline;

    private volatile boolean lost;

    /** Guarded by this. */
    private boolean ended;

    /** Guarded by this. */
    private Renewals.@Nullable Renewal renewal;

    /** Guarded by this. */
    private Renewals.@Nullable Renewal watchdog;

    /** The error of the latest failed renewal, if the latest renewal failed. */
    private volatile @Nullable RuntimeException renewalError;

    Hold(LockState state, String owner, long token, LockSettings settings, long sent) {
        this.state = state;
        this.owner = owner;
        this.token = token;
        this.settings = settings;
        Duration expire = settings.expire();
        this.deadline = expire == null ? 0 : deadline(sent, expire);
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

    @Nullable Duration expire() {
        return settings.expire();
    }

    /** Starts the watchdog and, with auto-renew, the renewals. */
    synchronized void start() {
        if (settings.expire() == null) {
            return;
        }
        watchdog = Renewals.schedule(this::checkDeadline, deadline - System.nanoTime());
        if (settings.autoRenew()) {
            renewal = Renewals.schedule(this::renewInBackground, renewPeriod());
        }
    }

    boolean lost() {
        return lost;
    }

    /** Whether the holder may still believe it holds the lock. */
    boolean valid() {
        return validAt(System.nanoTime());
    }

    boolean validAt(long now) {
        return !lost && (settings.expire() == null || now - deadline < 0);
    }

    /** Stops renewal and the watchdog; returns whether the hold had been lost. */
    synchronized boolean end() {
        ended = true;
        cancel(renewal);
        cancel(watchdog);
        return lost;
    }

    /**
     * Records the answer to a renew request sent at {@code sent}. A renewal that arrives after the deadline does not
     * revive the hold: it was declared lost at the deadline.
     * @return whether the hold is renewed
     */
    boolean renewed(boolean renewed, long sent, String lossReason) {
        LockLostException loss = null;
        boolean extended = false;
        synchronized (this) {
            Duration expire = settings.expire();
            if (ended) {
                // Released meanwhile: a renewal that raced the release says nothing about a loss.
                return renewed;
            }
            if (!renewed) {
                loss = markLost(lossReason);
            }
            else if (expire != null) {
                if (lost || System.nanoTime() - deadline >= 0) {
                    loss = markLost("renewal was answered after the lock's deadline");
                }
                else {
                    deadline = deadline(sent, expire);
                    extended = true;
                }
            }
            else {
                extended = !lost;
            }
        }
        state.announce(loss);
        return extended;
    }

    /** The hold is found expired by its own thread (a reentrant acquire after the deadline). */
    void expiredNow() {
        LockLostException loss;
        synchronized (this) {
            loss = ended ? null : markLost(lossAtDeadline());
        }
        state.announce(loss);
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
                watchdog = Renewals.schedule(this::checkDeadline, left);
            }
            else {
                loss = markLost(lossAtDeadline());
            }
        }
        state.announce(loss);
    }

    private String lossAtDeadline() {
        RuntimeException error = renewalError;
        if (!settings.autoRenew()) {
            return "it expired (held past its expire of " + settings.expire() + ", and auto-renew is off)";
        }
        return error == null ? "its deadline passed while its renewal got no answer"
                : "renewal kept failing until its deadline (" + error.getMessage() + ")";
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
            renewed = state.id().backend().renew(state.id().key(), owner, settings.expire());
        }
        catch (RuntimeException ex) {
            renewalError = ex;
            retryRenewal(ex);
            return;
        }
        renewalError = null;
        if (renewed(renewed, sent, "renewal found it expired or taken over")) {
            scheduleRenewal(renewPeriod());
        }
    }

    /** A failed renewal is not a lost lock: retry until the deadline, where the watchdog declares the loss. */
    private void retryRenewal(RuntimeException ex) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || LockState.isPermanent(ex)) {
            LockLostException loss;
            synchronized (this) {
                loss = ended ? null : markLost(lossAtDeadline());
            }
            state.announce(loss);
            return;
        }
        logger.debug("{}: renewal failed, retrying", state.id(), ex);
        long retry = Math.max(MILLI * 20, Math.min(renewPeriod() / 4, settings.retryInterval().toNanos()));
        scheduleRenewal(Math.min(retry, left));
    }

    private synchronized void scheduleRenewal(long delayNanos) {
        if (!ended && !lost) {
            renewal = Renewals.schedule(this::renewInBackground, delayNanos);
        }
    }

    /** A third of the expiry, so two renewals may fail before the deadline. */
    private long renewPeriod() {
        Duration expire = settings.expire();
        return expire == null ? 0 : Math.max(MILLI, expire.toNanos() / 3);
    }

    /** Marks the hold lost, under this monitor; returns the loss to announce once the monitor is left. */
    private @Nullable LockLostException markLost(String reason) {
        if (lost) {
            return null;
        }
        lost = true;
        cancel(renewal);
        cancel(watchdog);
        return new LockLostException(state.id().describe("lost: " + reason
                + ". The integrity of data protected by this lock may have been compromised"));
    }

    private static void cancel(Renewals.@Nullable Renewal task) {
        if (task != null) {
            task.cancel();
        }
    }
}
