package dev.sherlock;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * The one scheduler that renews every held lock of the JVM, whatever its backend or registry.
 *
 * <p>Renewals are batched: a hold only records when it is due, and one timer, set for the earliest due renewal,
 * runs every renewal that is due when it fires. Acquiring and releasing therefore never wake the scheduler
 * (a new hold is due later than the ones before it), which keeps the hot path free of thread hand-offs. Renewals run
 * on two daemon threads, so one slow backend call does not hold up every other renewal.
 */
final class Renewals {

    /** Renewals due this close to a tick run in it, instead of each getting a wake-up of its own. */
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final ScheduledThreadPoolExecutor scheduler = create();

    private static final Map<Renewal, Long> due = new ConcurrentHashMap<>();

    private static final Object timerLock = new Object();

    /** The pending tick and when it fires; guarded by {@link #timerLock}. */
    private static @Nullable ScheduledFuture<?> timer;

    private static long timerAt;

    private Renewals() {
    }

    /**
     * Runs {@code task} once, on a renewal thread, after {@code delayNanos}, unless cancelled first.
     */
    static Renewal schedule(Runnable task, long delayNanos) {
        Renewal renewal = new Renewal(task);
        long at = System.nanoTime() + Math.max(0, delayNanos);
        due.put(renewal, at);
        ensureTimer(at);
        return renewal;
    }

    private static void ensureTimer(long at) {
        synchronized (timerLock) {
            if (timer != null && timerAt - at <= 0) {
                return;
            }
            if (timer != null) {
                timer.cancel(false);
            }
            timerAt = at;
            timer = scheduler.schedule(Renewals::tick, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private static void tick() {
        synchronized (timerLock) {
            timer = null;
        }
        long now = System.nanoTime();
        Long next = null;
        for (Map.Entry<Renewal, Long> entry : due.entrySet()) {
            long at = entry.getValue();
            if (at - now <= BATCH_NANOS) {
                // Removing first makes each renewal run at most once, even if ticks overlap.
                if (due.remove(entry.getKey(), at)) {
                    scheduler.execute(entry.getKey().task);
                }
            }
            else if (next == null || at - next < 0) {
                next = at;
            }
        }
        if (next != null) {
            ensureTimer(next);
        }
    }

    private static ScheduledThreadPoolExecutor create() {
        AtomicInteger count = new AtomicInteger();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(2, task -> {
            Thread thread = new Thread(task, "sherlock-renewal-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** A pending renewal. */
    static final class Renewal {

        private final Runnable task;

        private Renewal(Runnable task) {
            this.task = task;
        }

        /** Drops the renewal if it has not started; never interrupts one that runs. */
        void cancel() {
            due.remove(this);
        }
    }
}
