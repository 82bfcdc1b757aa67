package dev.sherlock;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The threads tests run their other "callers" on: platform threads, or virtual threads (one per task) when the
 * system property {@value #VIRTUAL} is {@code true}, which the test script sets for its run on Java 21+.
 */
public final class TestThreads {

    /** The system property that switches the tests' callers to virtual threads. */
    public static final String VIRTUAL = "sherlock.test.virtual-threads";

    private TestThreads() {
    }

    /** Whether this run's callers are virtual threads. */
    public static boolean virtual() {
        return Boolean.getBoolean(VIRTUAL);
    }

    /**
     * A new executor of callers: one virtual thread per task if {@link #virtual()}, else a cached pool.
     * @throws IllegalStateException if virtual threads are asked for on a JVM without them
     */
    public static ExecutorService callers() {
        return virtual() ? virtualThreadPerTask() : Executors.newCachedThreadPool();
    }

    /**
     * One virtual thread per task (Java 21+), looked up reflectively: the tests compile for Java 17.
     * @throws IllegalStateException on a JVM without virtual threads
     */
    public static ExecutorService virtualThreadPerTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        }
        catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("Virtual threads need Java 21 or later; this is Java "
                    + Runtime.version(), ex);
        }
    }

    /** Whether {@code thread} is a virtual thread. */
    public static boolean isVirtual(Thread thread) {
        try {
            return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        }
        catch (ReflectiveOperationException ex) {
            return false;
        }
    }

    /** The live threads Sherlock started (named {@code sherlock-...}). */
    public static Set<Thread> sherlockThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith("sherlock-")) {
                threads.add(thread);
            }
        }
        return threads;
    }
}
