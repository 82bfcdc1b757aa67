package dev.sherlock;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.DaemonThreads;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one scheduler of the JVM's held locks, whatever their backend or registry: renewals, deadline watchdogs and
 * the background clean-up of abandoned attempts.
 *
 * <p>Tasks are batched: a task only records when it is due, and one timer, set for the earliest due task, hands
 * every task due when it fires to its lane. Acquiring and releasing therefore never wake the timer (a new hold is due
 * later than the ones before it), which keeps the hot path free of thread hand-offs.
 *
 * <p>Each task belongs to a {@link Background}, a registry's or a standalone handle's: closing a registry drops its
 * pending tasks. The timer thread ends when nothing is pending, and lane threads when idle.
 *
 * <p>Tasks never run on the timer thread. Each backend has its own lane of {@link Workers} for the calls it gets, and
 * watchdogs, which call no backend, have a lane of their own: a backend whose calls hang holds up only its own tasks,
 * never the renewals of another backend, nor the watchdog that declares a hold lost at its deadline; and within one
 * backend, more threads are started as soon as all of its threads are stuck, or a task has waited for one longer than
 * it can (a renewal: a tenth of what is left of its hold).
 */
final class Renewals {

    private static final Logger logger = LoggerFactory.getLogger(Renewals.class);

    /** Tasks due this close to a tick run in it, instead of each getting a wake-up of its own. */
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Most threads one backend's lane may use at once. */
    private static final int LANE_THREADS = 256;

    private static final ScheduledThreadPoolExecutor timer = timer();

    /** The lane of watchdogs: they call no backend, only listeners. */
    static final Executor watchdogs = new Workers(timer, "sherlock-watchdog", 0, LANE_THREADS);

    /** When a lane refused a task, how soon it is offered again. */
    private static final long REJECTED_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** At most one warning of refused tasks in this time; the others are logged at debug level. */
    private static final long REJECTION_WARNING_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** When refused tasks were last warned of; only the timer thread writes it. */
    private static long lastRejectionWarning = System.nanoTime() - REJECTION_WARNING_NANOS;

    /** How long the timer thread stays without a pending task before it ends. */
    private static final long TIMER_IDLE_MILLIS = 1000;

    private static final Map<LockBackend, Workers> lanes = new WeakHashMap<>();

    private static final Map<Renewal, Long> due = new ConcurrentHashMap<>();

    private static final Object timerLock = new Object();

    /** The pending tick and when it fires; guarded by {@link #timerLock}. */
    private static @Nullable ScheduledFuture<?> tick;

    private static long tickAt;

    private Renewals() {
    }

    /**
     * The shared lane of calls to {@code backend}, for standalone handles (threads
     * {@code sherlock-<backend>-handles-<n>}); its threads end when idle.
     */
    static Executor lane(LockBackend backend) {
        synchronized (lanes) {
            return lanes.computeIfAbsent(backend,
                    key -> new Workers(timer, "sherlock-" + key.name() + "-handles", 0, LANE_THREADS));
        }
    }

    /** A new lane of calls to {@code backend}; its threads end when idle or when it is closed. */
    static Workers newLane(LockBackend backend) {
        return new Workers(timer, "sherlock-" + backend.name(), 0, LANE_THREADS);
    }

    /**
     * Runs {@code task} once on {@code lane}, after {@code delayNanos}, unless cancelled first or its background
     * closes first; nothing is scheduled for a closed background. On a lane of {@link Workers}, more threads start
     * if the task has waited {@code patienceNanos} there without starting.
     */
    static Renewal schedule(Runnable task, long delayNanos, long patienceNanos, Executor lane,
            Background background) {
        Renewal renewal = new Renewal(task, patienceNanos, lane, background);
        if (background.closed()) {
            return renewal;
        }
        long at = System.nanoTime() + Math.max(0, delayNanos);
        due.put(renewal, at);
        if (background.closed()) {
            // Closed meanwhile: its clean-up may have missed this one.
            due.remove(renewal);
            return renewal;
        }
        ensureTick(at);
        return renewal;
    }

    /** Drops every pending task of {@code background}; tasks already running finish. */
    static void cancelAll(Background background) {
        due.keySet().removeIf(renewal -> renewal.background == background);
        synchronized (timerLock) {
            if (due.isEmpty() && tick != null) {
                // Nothing left to wait for: let the timer thread end now rather than at the next tick.
                tick.cancel(false);
                tick = null;
            }
        }
    }

    private static void ensureTick(long at) {
        synchronized (timerLock) {
            if (tick != null && tickAt - at <= 0) {
                return;
            }
            if (tick != null) {
                tick.cancel(false);
            }
            tickAt = at;
            tick = timer.schedule(Renewals::tick, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static void tick() {
        synchronized (timerLock) {
            tick = null;
        }
        long now = System.nanoTime();
        Long next = null;
        for (Map.Entry<Renewal, Long> entry : due.entrySet()) {
            long at = entry.getValue();
            if (at - now <= BATCH_NANOS) {
                // Removing first makes each task run at most once, even if ticks overlap.
                Renewal renewal = entry.getKey();
                if (due.remove(renewal, at) && !renewal.background.closed()) {
                    try {
                        if (renewal.lane instanceof Workers workers) {
                            workers.execute(renewal.task, renewal.patienceNanos);
                        }
                        else {
                            renewal.lane.execute(renewal.task);
                        }
                    }
                    catch (RuntimeException ex) {
                        // A caller's executor may refuse (bounded, or shutting down): never drop a renewal or a
                        // watchdog of an open registry, try again shortly.
                        if (now - lastRejectionWarning >= REJECTION_WARNING_NANOS) {
                            lastRejectionWarning = now;
                            logger.warn("Sherlock: a lock task (renewal, watchdog or clean-up) could not be started"
                                    + " on its executor; trying again every {} ms (logged again in {} s at most)",
                                    TimeUnit.NANOSECONDS.toMillis(REJECTED_RETRY_NANOS),
                                    TimeUnit.NANOSECONDS.toSeconds(REJECTION_WARNING_NANOS), ex);
                        }
                        else {
                            logger.debug("Sherlock: a lock task could not be started; trying again", ex);
                        }
                        long retryAt = now + REJECTED_RETRY_NANOS;
                        due.put(renewal, retryAt);
                        if (next == null || retryAt - next < 0) {
                            next = retryAt;
                        }
                    }
                }
            }
            else if (next == null || at - next < 0) {
                next = at;
            }
        }
        if (next != null) {
            ensureTick(next);
        }
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, new DaemonThreads("sherlock-timer"));
        executor.setRemoveOnCancelPolicy(true);
        // No thread is kept while nothing is pending: none outlives the last lock and the last registry.
        executor.setKeepAliveTime(TIMER_IDLE_MILLIS, TimeUnit.MILLISECONDS);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /** A pending task. */
    static final class Renewal {

        private final Runnable task;

        private final Executor lane;

        private final Background background;

        private final long patienceNanos;

        private Renewal(Runnable task, long patienceNanos, Executor lane, Background background) {
            this.task = task;
            this.patienceNanos = patienceNanos;
            this.lane = lane;
            this.background = background;
        }

        /** Drops the task if it has not started; never interrupts one that runs. */
        void cancel() {
            due.remove(this);
        }
    }
}
