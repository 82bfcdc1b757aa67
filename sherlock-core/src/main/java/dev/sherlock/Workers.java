package dev.sherlock;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * The threads that run renewals and clean-ups: a few, grown by one whenever every thread has been stuck in one task
 * for longer than {@link #STALL_NANOS} while others wait. A backend call that hangs therefore holds up only its own
 * task, while a burst of quick renewals (a thousand locks taken at once) runs on the few threads, not on a thousand.
 * Threads beyond the first few end after a minute without work.
 */
final class Workers {

    /** Threads kept even when idle. */
    private static final int CORE = 2;

    /** How long every thread must have been busy with one task before another thread is started. */
    private static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final ScheduledExecutorService timer;

    private final String prefix;

    private final AtomicInteger names = new AtomicInteger();

    private final Deque<Runnable> queue = new ArrayDeque<>();

    /** Since when each busy thread runs its current task; guarded by this. */
    private final Map<Thread, Long> busy = new HashMap<>();

    /** Guarded by this. */
    private int threads;

    /** Guarded by this. */
    private int idle;

    /** Guarded by this. */
    private boolean stallCheckPending;

    Workers(ScheduledExecutorService timer, String prefix) {
        this.timer = timer;
        this.prefix = prefix;
    }

    synchronized void execute(Runnable task) {
        queue.addLast(task);
        if (idle > 0) {
            notify();
        }
        if (queue.size() > idle) {
            if (threads < CORE || allStalled()) {
                start();
            }
            else {
                checkStallLater();
            }
        }
    }

    /** Number of threads, for tests. */
    synchronized int threads() {
        return threads;
    }

    private boolean allStalled() {
        if (busy.size() < threads) {
            // Some thread is starting or about to take a task.
            return false;
        }
        long now = System.nanoTime();
        for (long since : busy.values()) {
            if (now - since < STALL_NANOS) {
                return false;
            }
        }
        return true;
    }

    private void checkStallLater() {
        if (!stallCheckPending) {
            stallCheckPending = true;
            timer.schedule(this::checkStall, STALL_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void checkStall() {
        stallCheckPending = false;
        if (queue.size() <= idle) {
            return;
        }
        if (allStalled()) {
            start();
        }
        checkStallLater();
    }

    private void start() {
        threads++;
        Thread thread = new Thread(this::work, prefix + "-" + names.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    private void work() {
        Thread self = Thread.currentThread();
        while (true) {
            Runnable task = next(self);
            if (task == null) {
                return;
            }
            try {
                task.run();
            }
            catch (RuntimeException | Error ex) {
                Thread.UncaughtExceptionHandler handler = self.getUncaughtExceptionHandler();
                handler.uncaughtException(self, ex);
            }
        }
    }

    /** The next task for {@code self}, or {@code null} when the thread should end. */
    private synchronized @Nullable Runnable next(Thread self) {
        busy.remove(self);
        long idleSince = System.nanoTime();
        while (queue.isEmpty()) {
            long left = IDLE_NANOS - (System.nanoTime() - idleSince);
            if (left <= 0 && threads > CORE) {
                threads--;
                return null;
            }
            idle++;
            try {
                TimeUnit.NANOSECONDS.timedWait(this, Math.max(left, IDLE_NANOS / 2));
            }
            catch (InterruptedException ex) {
                threads--;
                return null;
            }
            finally {
                idle--;
            }
        }
        busy.put(self, System.nanoTime());
        return queue.pollFirst();
    }
}
