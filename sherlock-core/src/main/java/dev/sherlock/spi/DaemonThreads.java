package dev.sherlock.spi;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for a backend's background work (subscriptions, watches, timers): daemon threads, so a lock library never
 * keeps a JVM alive, named {@code <prefix>-<n>} so a thread dump tells whose they are.
 *
 * @since 0.1.0
 */
public final class DaemonThreads implements ThreadFactory {

    private final String prefix;

    private final AtomicInteger created = new AtomicInteger();

    /**
     * Creates the factory.
     * @param prefix the start of each thread's name, e.g. {@code "sherlock-redis-subscription"}
     */
    public DaemonThreads(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + "-" + created.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Starts {@code task} on a new daemon thread.
     * @param task what the thread runs
     * @return the started thread
     */
    public Thread start(Runnable task) {
        Thread thread = newThread(task);
        thread.start();
        return thread;
    }
}
