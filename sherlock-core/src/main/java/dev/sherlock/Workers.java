package dev.sherlock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that run background tasks: one, and up to twice as many whenever a task has waited in the queue longer than
 * it can wait (its patience: {@link #STALL_NANOS} unless given), or every thread has been stuck in one task for
 * {@link #STALL_NANOS} while others wait; a task that cannot wait that long gets a thread at once when every thread
 * is busy. The queue serves the task that can wait least first. A call that hangs therefore holds up the others only
 * briefly, while a burst of quick tasks (a thousand renewals due at once, each with seconds to spare) runs on one
 * thread as long as it keeps up, and on a few when it does not, never on a thousand. Threads beyond {@code keep} end
 * after a while without work.
 */
final class Workers implements Executor {

    private static final Logger logger = LoggerFactory.getLogger(Workers.class);

    /**
     * How long every thread may be busy with one task while others wait, and by default how long a task may wait in
     * the queue, before more threads are started.
     */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Threads started without waiting for a stall. */
    private static final int EAGER = 1;

    private final ScheduledExecutorService timer;

    private final String prefix;

    private final int keep;

    private final int max;

    private final AtomicInteger names = new AtomicInteger();

    /**
     * The waiting tasks, the one that can wait least first (in the order they came among equals), so a task that
     * cannot wait does not wait behind a backlog of tasks that can; guarded by this.
     */
    private final PriorityQueue<Queued> queue = new PriorityQueue<>(Workers::compare);

    /** Orders the tasks that came with the same patience at the same time; guarded by this. */
    private long arrivals;

    /** Since when each busy thread runs its current task; guarded by this. */
    private final Map<Thread, Long> busy = new HashMap<>();

    /** Guarded by this. */
    private int threads;

    /** Guarded by this. */
    private int idle;

    /** Guarded by this. */
    private boolean stallCheckPending;

    /** Guarded by this. */
    private boolean closed;

    /**
     * @param timer schedules the stall checks
     * @param prefix of the threads' names
     * @param keep threads kept when idle
     * @param max most threads at once; tasks beyond wait
     */
    Workers(ScheduledExecutorService timer, String prefix, int keep, int max) {
        this.timer = timer;
        this.prefix = prefix;
        this.keep = keep;
        this.max = max;
    }

    @Override
    public void execute(Runnable task) {
        execute(task, STALL_NANOS);
    }

    /**
     * Runs {@code task} after the tasks queued before it that cannot wait longer than it; more threads start if it
     * has waited {@code patienceNanos} without starting.
     */
    synchronized void execute(Runnable task, long patienceNanos) {
        if (closed) {
            return;
        }
        queue.add(new Queued(task, System.nanoTime() + Math.max(0, patienceNanos), arrivals++));
        if (idle > 0) {
            notify();
        }
        if (queue.size() > idle) {
            if (threads < EAGER) {
                start(1);
            }
            else {
                if (patienceNanos < STALL_NANOS && queue.size() > threads - busy.size()) {
                    // The stall check comes every STALL_NANOS: a task that cannot wait that long, with every thread
                    // in a task, gets one now (and the check still comes, should the thread not start).
                    start(1);
                }
                growIfStalled();
            }
        }
    }

    /**
     * Takes up to {@code max} waiting tasks that {@code which} selects out of the queue, for a caller that runs them
     * itself (several renewals in one backend call). Which ones, of more than {@code max}, is not defined.
     */
    synchronized List<Runnable> takeQueued(Predicate<Runnable> which, int max) {
        List<Runnable> taken = new ArrayList<>();
        for (Iterator<Queued> waiting = queue.iterator(); waiting.hasNext() && taken.size() < max;) {
            Runnable task = waiting.next().task();
            if (which.test(task)) {
                waiting.remove();
                taken.add(task);
            }
        }
        return taken;
    }

    /** Number of threads, for tests. */
    synchronized int threads() {
        return threads;
    }

    /** Drops the waiting tasks and ends the threads once their current task is done; later tasks are dropped. */
    synchronized void close() {
        closed = true;
        queue.clear();
        notifyAll();
    }

    /**
     * When every thread is stuck or the first queued task has waited as long as it can, at most doubles the threads:
     * a slow backend is not a hung one.
     */
    private void growIfStalled() {
        if (allStalled() || firstLate()) {
            start(Math.min(queue.size() - idle, Math.max(1, threads)));
        }
        if (!stallCheckPending && queue.size() > idle) {
            stallCheckPending = true;
            timer.schedule(this::checkStall, STALL_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    private synchronized void checkStall() {
        stallCheckPending = false;
        if (queue.size() > idle) {
            growIfStalled();
        }
    }

    /** Whether the queued task that can wait least has waited as long as it can. */
    private boolean firstLate() {
        Queued first = queue.peek();
        return first != null && System.nanoTime() - first.lateAt() >= 0;
    }

    private static int compare(Queued a, Queued b) {
        long late = a.lateAt() - b.lateAt();
        return late != 0 ? Long.signum(late) : Long.compare(a.arrival(), b.arrival());
    }

    /** A waiting task, and until when it can wait. */
    private record Queued(Runnable task, long lateAt, long arrival) {
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

    private void start(int wanted) {
        int count = Math.min(wanted, max - threads);
        for (int i = 0; i < count; i++) {
            Thread thread = new Thread(this::work, prefix + "-" + names.incrementAndGet());
            thread.setDaemon(true);
            try {
                thread.start();
            }
            catch (OutOfMemoryError ex) {
                // No thread to be had: the waiting tasks run when a thread frees up.
                logger.warn("Sherlock: cannot start another {} thread ({} running): {}", prefix, threads,
                        ex.getMessage());
                return;
            }
            threads++;
        }
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
                self.getUncaughtExceptionHandler().uncaughtException(self, ex);
            }
            finally {
                // A task that left the thread interrupted must not fail the next task's backend calls.
                Thread.interrupted();
            }
        }
    }

    /** The next task for {@code self}, or {@code null} when the thread should end. */
    private synchronized @Nullable Runnable next(Thread self) {
        busy.remove(self);
        long idleSince = System.nanoTime();
        while (queue.isEmpty()) {
            long left = IDLE_NANOS - (System.nanoTime() - idleSince);
            if (closed || left <= 0 && threads > keep) {
                threads--;
                return null;
            }
            idle++;
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left > 0 ? left : IDLE_NANOS);
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
        return queue.remove().task();
    }
}
