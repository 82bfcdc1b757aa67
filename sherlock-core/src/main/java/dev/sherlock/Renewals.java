package dev.sherlock;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one scheduler that renews every held lock of the JVM, whatever its backend or registry. Two daemon threads,
 * so one slow backend call does not hold up every other renewal.
 */
final class Renewals {

    private static final ScheduledThreadPoolExecutor scheduler = create();

    private Renewals() {
    }

    static ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return scheduler.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
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
}
