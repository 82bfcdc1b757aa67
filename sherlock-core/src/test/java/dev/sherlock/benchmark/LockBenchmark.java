package dev.sherlock.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.LockBackend;

/**
 * A benchmark harness (not a test) for any backend: uncontended acquire+release pairs per second, hand-off latency
 * from a release to a client blocked in acquire on another handle, and throughput with four contending clients.
 * Each client has its own handle (and, where the supplier gives one, its own backend client), as separate
 * processes would.
 */
public final class LockBenchmark {

    private static final LockSettings SETTINGS = LockSettings.defaults().withTimeout(Duration.ofSeconds(30));

    private final String label;

    private final Supplier<LockBackend> clients;

    public LockBenchmark(String label, Supplier<LockBackend> clients) {
        this.label = label;
        this.clients = clients;
    }

    /** Runs all three measurements and returns one report line per measurement. */
    public List<String> run(Duration each) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-28s uncontended acquire+release: %,10.0f pairs/s", label,
                uncontended(each)));
        double[] handoff = handoff(200);
        lines.add(String.format(Locale.ROOT, "%-28s hand-off latency:            p50 %.3f ms, p99 %.3f ms", label,
                handoff[0], handoff[1]));
        lines.add(String.format(Locale.ROOT, "%-28s contended, 4 clients:        %,10.0f ops/s", label,
                contended(4, each)));
        return lines;
    }

    private double uncontended(Duration duration) {
        BackendLock lock = new BackendLock(uniqueName(), clients.get(), null, SETTINGS);
        for (int i = 0; i < 200; i++) {
            lock.acquire();
            lock.release();
        }
        long count = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        while (System.nanoTime() - end < 0) {
            lock.acquire();
            lock.release();
            count++;
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /** Holder releases; the waiter, blocked in acquire on another handle, notes when it gets the lock. */
    private double[] handoff(int rounds) throws Exception {
        String name = uniqueName();
        BackendLock holder = new BackendLock(name, clients.get(), null, SETTINGS);
        BackendLock waiter = new BackendLock(name, clients.get(), null, SETTINGS);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        double[] millis = new double[rounds];
        try {
            for (int i = 0; i < rounds; i++) {
                holder.acquire();
                CountDownLatch started = new CountDownLatch(1);
                Future<Long> acquiredAt = executor.submit(() -> {
                    started.countDown();
                    waiter.acquire();
                    long at = System.nanoTime();
                    waiter.release();
                    return at;
                });
                started.await();
                // Let the waiter fail its attempt and start waiting.
                Thread.sleep(20);
                long releasedAt = System.nanoTime();
                holder.release();
                millis[i] = (acquiredAt.get() - releasedAt) / 1e6;
            }
        }
        finally {
            executor.shutdownNow();
        }
        Arrays.sort(millis);
        return new double[] {millis[rounds / 2], millis[(int) (rounds * 0.99)]};
    }

    private double contended(int clientCount, Duration duration) throws Exception {
        String name = uniqueName();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong operations = new AtomicLong();
        ExecutorService executor = Executors.newFixedThreadPool(clientCount);
        Semaphore ready = new Semaphore(0);
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clientCount; c++) {
            BackendLock lock = new BackendLock(name, clients.get(), null, SETTINGS);
            futures.add(executor.submit(() -> {
                ready.release();
                while (running.get()) {
                    lock.acquire();
                    lock.release();
                    operations.incrementAndGet();
                }
                return null;
            }));
        }
        ready.acquire(clientCount);
        long start = System.nanoTime();
        Thread.sleep(duration.toMillis());
        running.set(false);
        long elapsed = System.nanoTime() - start;
        for (Future<?> future : futures) {
            future.get();
        }
        executor.shutdown();
        return operations.get() / (elapsed / 1e9);
    }

    private static String uniqueName() {
        return "benchmark-" + UUID.randomUUID();
    }
}
