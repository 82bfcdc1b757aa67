package dev.sherlock.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;

/**
 * The three measurements every contender of a backend goes through, each with clients of its own as separate
 * processes would have: P1 uncontended acquire + release pairs per second, P2 hand-off latency from the release
 * call's start to the waiter's return from its blocked acquire, P3 four clients taking turns on one lock.
 */
final class Scenarios {

    /** How long the holder keeps the lock before the hand-off, so the waiter has failed and waits. */
    private static final long HOLD_BEFORE_HANDOFF_MILLIS = 20;

    private Scenarios() {
    }

    /** P1 result. */
    record Uncontended(double pairsPerSecond, Usage usage) {
    }

    /** P2 result: every hand-off's latency, sorted. */
    record Handoff(long[] nanos) {

        double percentileMillis(double quantile) {
            return nanos[Math.min(nanos.length - 1, (int) Math.floor(quantile * nanos.length))] / 1e6;
        }
    }

    /** P3 result. */
    record Contended(double opsPerSecond, long[] perClient, Usage usage) {

        /** The least lucky client's acquisitions over the luckiest's: 1 is perfectly fair. */
        double fairness() {
            long min = Arrays.stream(perClient).min().orElse(0);
            long max = Arrays.stream(perClient).max().orElse(0);
            return max == 0 ? 0 : (double) min / max;
        }
    }

    static Uncontended uncontended(Contender contender, Server server, Duration duration) throws Exception {
        try (Client client = contender.clients().open()) {
            Handle handle = client.handle(uniqueName());
            for (int i = 0; i < 50; i++) {
                handle.lock();
                handle.unlock();
            }
            Usage.Start start = new Usage.Start(server);
            long end = System.nanoTime() + duration.toNanos();
            long pairs = 0;
            long began = System.nanoTime();
            while (System.nanoTime() - end < 0) {
                handle.lock();
                handle.unlock();
                pairs++;
            }
            double rate = pairs / ((System.nanoTime() - began) / 1e9);
            return new Uncontended(rate, start.end(pairs));
        }
    }

    static Handoff handoff(Contender contender, int rounds) throws Exception {
        String name = uniqueName();
        ExecutorService waiterThread = Executors.newSingleThreadExecutor();
        try (Client holders = contender.clients().open(); Client waiters = contender.clients().open()) {
            // Handles are made on the thread that uses them: some libraries tie a lock to a thread.
            Handle holder = holders.handle(name);
            Handle waiter = waiterThread.submit(() -> waiters.handle(name)).get();
            long[] nanos = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                holder.lock();
                CountDownLatch started = new CountDownLatch(1);
                Future<Long> acquired = waiterThread.submit(() -> {
                    started.countDown();
                    waiter.lock();
                    long at = System.nanoTime();
                    waiter.unlock();
                    return at;
                });
                started.await();
                Thread.sleep(HOLD_BEFORE_HANDOFF_MILLIS);
                long released = System.nanoTime();
                holder.unlock();
                nanos[i] = acquired.get(1, TimeUnit.MINUTES) - released;
            }
            Arrays.sort(nanos);
            return new Handoff(nanos);
        }
        finally {
            waiterThread.shutdownNow();
        }
    }

    /**
     * P3: {@code clientCount} clients, each on its own thread with its own client, loop acquire + release on one
     * lock for {@code duration}. Fails if two ever hold it at once.
     */
    static Contended contended(Contender contender, Server server, int clientCount, Duration duration)
            throws Exception {
        String name = uniqueName();
        List<Client> clients = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(clientCount);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        long[] perClient = new long[clientCount];
        CountDownLatch ready = new CountDownLatch(clientCount);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> loops = new ArrayList<>();
        try {
            for (int c = 0; c < clientCount; c++) {
                Client client = contender.clients().open();
                clients.add(client);
                int index = c;
                loops.add(threads.submit(() -> {
                    Handle handle = client.handle(name);
                    ready.countDown();
                    go.await();
                    while (!stop.get()) {
                        handle.lock();
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        inside.decrementAndGet();
                        handle.unlock();
                        perClient[index]++;
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            ready.await();
            Usage.Start start = new Usage.Start(server);
            long began = System.nanoTime();
            go.countDown();
            Thread.sleep(duration.toMillis());
            long completed = done.get();
            Usage usage = start.end(completed);
            double rate = completed / ((System.nanoTime() - began) / 1e9);
            stop.set(true);
            for (Future<?> loop : loops) {
                loop.get(2, TimeUnit.MINUTES);
            }
            if (overlaps.get() > 0) {
                throw new IllegalStateException(contender.name() + " on " + contender.backend() + ": "
                        + overlaps + " times two clients held the lock at once");
            }
            return new Contended(rate, perClient.clone(), usage);
        }
        finally {
            threads.shutdownNow();
            for (Client client : clients) {
                client.close();
            }
        }
    }

    static String uniqueName() {
        return "bench-" + UUID.randomUUID();
    }
}
