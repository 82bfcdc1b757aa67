package dev.sherlock;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * The one scheduler of the JVM's held locks, whatever their backend or registry: renewals, deadline watchdogs and
 * the background clean-up of abandoned attempts.
 *
 * <p>Tasks are batched: a task only records when it is due, and one timer, set for the earliest due task, hands
 * every task due when it fires to the workers. Acquiring and releasing therefore never wake the timer (a new hold is
 * due later than the ones before it), which keeps the hot path free of thread hand-offs.
 *
 * <p>Tasks run on {@link Workers}, never on the timer thread: a backend call that hangs holds up only its own hold's
 * renewal, never the renewals of other locks or backends, nor the watchdog that declares a hold lost at its
 * deadline.
 */
final class Renewals {

    /** Tasks due this close to a tick run in it, instead of each getting a wake-up of its own. */
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final ScheduledThreadPoolExecutor timer = timer();

    private static final Workers workers = new Workers(timer, "sherlock-renewal");

    private static final Map<Renewal, Long> due = new ConcurrentHashMap<>();

    private static final Object timerLock = new Object();

    /** The pending tick and when it fires; guarded by {@link #timerLock}. */
    private static @Nullable ScheduledFuture<?> tick;

    private static long tickAt;

    private Renewals() {
    }

    /**
     * Runs {@code task} once, on a worker thread, after {@code delayNanos}, unless cancelled first.
     */
    static Renewal schedule(Runnable task, long delayNanos) {
        Renewal renewal = new Renewal(task);
        long at = System.nanoTime() + Math.max(0, delayNanos);
        due.put(renewal, at);
        ensureTick(at);
        return renewal;
    }

    /** Runs {@code task} now on a worker thread. */
    static void execute(Runnable task) {
        workers.execute(task);
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
                if (due.remove(entry.getKey(), at)) {
                    workers.execute(entry.getKey().task);
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
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, daemon("sherlock-timer"));
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** A pending task. */
    static final class Renewal {

        private final Runnable task;

        private Renewal(Runnable task) {
            this.task = task;
        }

        /** Drops the task if it has not started; never interrupts one that runs. */
        void cancel() {
            due.remove(this);
        }
    }
}
