package dev.sherlock.benchmark;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;

/**
 * P4: many locks held at once by one client with renewal on: what each held lock costs in heap, how many threads
 * renew them, and how many requests per second the renewals send per 1 000 held locks.
 */
final class HeldLocks {

    private HeldLocks() {
    }

    /**
     * P4 result.
     * @param locks how many locks were held
     * @param acquireSeconds how long acquiring them all took
     * @param heapBytesPerLock heap retained per held lock (after a full GC)
     * @param threadsAdded threads the JVM gained while holding them
     * @param renewalThreads of those, the threads of Sherlock's lane for the backend ({@code sherlock-<backend>-*}),
     *     which renew the locks, or -1 for a peer
     * @param requestsPerSecondPer1000 server requests per second per 1 000 held locks while holding them
     * @param readsPerSecondPer1000 the server's socket reads (round trips) per second per 1 000 held locks, or
     *     {@code NaN} where the server does not count them
     * @param usage CPU while holding them
     * @param lost how many of them were lost (not renewed in time) before their release
     */
    record Result(int locks, double acquireSeconds, double heapBytesPerLock, int threadsAdded, int renewalThreads,
            double requestsPerSecondPer1000, double readsPerSecondPer1000, Usage usage, int lost) {
    }

    /**
     * Holds {@code count} locks through one client for {@code window} and releases them. The client's locks expire
     * after {@code expire} and are renewed every third of it; a window of two renewal periods sees every lock
     * renewed twice, so the request rate is the steady one.
     */
    static Result run(Contender contender, Server server, int count, Duration window) throws Exception {
        try (Client client = contender.clients().open()) {
            Handle first = client.handle(Scenarios.uniqueName());
            first.lock();
            first.unlock();
            long heapBefore = usedHeapAfterGc();
            int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
            Pattern lane = Pattern.compile("sherlock-" + contender.backend() + "-\\d+");
            int laneBefore = threadsNamed(lane);
            List<Handle> held = new ArrayList<>(count);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                Handle handle = client.handle(Scenarios.uniqueName());
                handle.lock();
                held.add(handle);
            }
            double acquireSeconds = (System.nanoTime() - start) / 1e9;
            Usage.Start holding = new Usage.Start(server);
            long began = System.nanoTime();
            Thread.sleep(window.toMillis());
            Usage usage = holding.end(1);
            double seconds = (System.nanoTime() - began) / 1e9;
            double perSecondPer1000 = usage.requestsPerOperation() / seconds / (count / 1000.0);
            double readsPerSecondPer1000 = usage.readsPerOperation() / seconds / (count / 1000.0);
            int threadsAdded = ManagementFactory.getThreadMXBean().getThreadCount() - threadsBefore;
            int renewalThreads = contender.kind() != Contender.Kind.SHERLOCK ? -1 : threadsNamed(lane) - laneBefore;
            double heapPerLock = (usedHeapAfterGc() - heapBefore) / (double) count;
            int lost = 0;
            for (Handle handle : held) {
                try {
                    handle.unlock();
                }
                catch (RuntimeException ex) {
                    // Lost before the release (Sherlock's LockLostException, Redisson's IllegalMonitorStateException).
                    lost++;
                }
            }
            return new Result(count, acquireSeconds, heapPerLock, threadsAdded, renewalThreads, perSecondPer1000,
                    readsPerSecondPer1000, usage, lost);
        }
    }

    private static int threadsNamed(Pattern name) {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> name.matcher(thread.getName()).matches()).count();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
