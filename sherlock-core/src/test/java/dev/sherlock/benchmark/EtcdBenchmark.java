package dev.sherlock.benchmark;

import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import dev.sherlock.LockSettings;
import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.etcd.EtcdLock;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the etcd backend against the raw etcd primitives and jetcd's own Lock service, in one run on one etcd:
 * <ul>
 * <li>uncontended acquire + release pairs per second (one client);</li>
 * <li>hand-off latency: from the holder's release call to the return of a client blocked in acquire;</li>
 * <li>contended throughput: 4 clients (each with its own jetcd client, as 4 processes) take turns on one lock.</li>
 * </ul>
 * Throughput runs alternate between Sherlock and the raw loop, so load from other processes hits both alike, and
 * report the median. A harness, not a test. Run with:
 * <pre>
 * ./scripts/benchmark.sh dev.sherlock.benchmark.EtcdBenchmark [seconds per run] [rounds] [hand-offs]
 * </pre>
 * (defaults 5, 3 and 200). It starts its own single-member etcd, or uses {@code -Dendpoint=http://...}.
 */
public final class EtcdBenchmark {

    private static final int CLIENTS = 4;

    private static final Logger logger = LoggerFactory.getLogger(EtcdBenchmark.class);

    private final String endpoint;

    private final Duration duration;

    private final int handoffs;

    private final int rounds;

    private EtcdBenchmark(String endpoint, Duration duration, int handoffs, int rounds) {
        this.endpoint = endpoint;
        this.duration = duration;
        this.handoffs = handoffs;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        Duration duration = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int handoffs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        String endpoint = System.getProperty("endpoint");
        LocalServer etcd = endpoint == null ? LocalServer.start(TestServers.ETCD) : null;
        try {
            new EtcdBenchmark(endpoint != null ? endpoint : "http://" + etcd.host() + ":" + etcd.port(), duration,
                    handoffs, rounds).run();
        }
        finally {
            if (etcd != null) {
                etcd.close();
            }
        }
        System.exit(0);
    }

    private void run() throws Exception {
        print("etcd %s, %d rounds of %d s per throughput figure, %d hand-offs, %d cores", endpoint, rounds,
                duration.toSeconds(), handoffs, Runtime.getRuntime().availableProcessors());
        warmUp();
        // Rounds alternate between the contenders so load from other processes hits both alike.
        List<Double> sherlockPairs = new ArrayList<>();
        List<Double> rawPairs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            sherlockPairs.add(sherlockUncontended());
            rawPairs.add(rawUncontended());
        }
        print("uncontended acquire+release pairs/s, 1 client: Sherlock %s | raw txn create + txn delete %s",
                median(sherlockPairs), median(rawPairs));
        print("hand-off latency, Sherlock: %s", sherlockHandoff());
        print("hand-off latency, raw etcd txn loop: %s", rawHandoff());
        print("hand-off latency, jetcd Lock service: %s", jetcdLockHandoff());
        List<Double> sherlock = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            sherlock.add(sherlockContended());
            raw.add(rawContended());
        }
        print("contended ops/s, %d clients, one lock: Sherlock %s | raw etcd txn loop %s", CLIENTS, median(sherlock),
                median(raw));
        print("contended ops/s, %d clients, one lock: jetcd Lock service %.0f", CLIENTS, jetcdLockContended());
    }

    private static String median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        StringBuilder all = new StringBuilder();
        for (double value : values) {
            all.append(all.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", value));
        }
        return String.format(Locale.ROOT, "%.0f (median of %s)", sorted.get(sorted.size() / 2), all);
    }

    private void warmUp() throws Exception {
        try (EtcdBackend backend = EtcdBackend.builder().endpoints(endpoint).build()) {
            EtcdLock lock = new EtcdLock("warm-up", backend, "benchmark", LockSettings.defaults());
            for (int i = 0; i < 500; i++) {
                lock.acquire();
                lock.release();
            }
        }
    }

    private double sherlockUncontended() throws Exception {
        try (EtcdBackend backend = EtcdBackend.builder().endpoints(endpoint).build()) {
            EtcdLock lock = new EtcdLock(uniqueName(), backend, "benchmark", LockSettings.defaults());
            return perSecond(() -> {
                lock.acquire();
                lock.release();
            });
        }
    }

    private double rawUncontended() throws Exception {
        try (Client client = client()) {
            KV kv = client.getKVClient();
            ByteSequence key = bytes("raw/" + uniqueName());
            ByteSequence me = bytes("me");
            return perSecond(() -> {
                if (!kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                        .Then(Op.put(key, me, PutOption.DEFAULT)).commit().get().isSucceeded()) {
                    throw new IllegalStateException("raw lock taken");
                }
                kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(me))).Then(Op.delete(key, DeleteOption.DEFAULT))
                        .commit().get();
            });
        }
    }

    private String sherlockHandoff() throws Exception {
        String name = uniqueName();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (EtcdBackend holders = EtcdBackend.builder().endpoints(endpoint).build(); EtcdBackend waiters = EtcdBackend.builder().endpoints(endpoint).build()) {
            EtcdLock holder = new EtcdLock(name, holders, "benchmark", LockSettings.defaults());
            EtcdLock waiter = new EtcdLock(name, waiters, "benchmark", LockSettings.defaults());
            long[] latencies = new long[handoffs];
            for (int i = 0; i < handoffs; i++) {
                holder.acquire();
                Future<Long> acquired = executor.submit(() -> {
                    waiter.acquire();
                    long at = System.nanoTime();
                    waiter.release();
                    return at;
                });
                // Let the waiter fail its attempt and block on its watch.
                Thread.sleep(30);
                long released = System.nanoTime();
                holder.release();
                latencies[i] = acquired.get(1, TimeUnit.MINUTES) - released;
            }
            return summary(latencies);
        }
        finally {
            executor.shutdownNow();
        }
    }

    private String rawHandoff() throws Exception {
        ByteSequence key = bytes("raw/" + uniqueName());
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Client holders = client(); Client waiters = client()) {
            KV holder = holders.getKVClient();
            KV waiter = waiters.getKVClient();
            ByteSequence me = bytes("holder");
            ByteSequence other = bytes("waiter");
            long[] latencies = new long[handoffs];
            for (int i = 0; i < handoffs; i++) {
                holder.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                        .Then(Op.put(key, me, PutOption.DEFAULT)).commit().get();
                Future<Long> acquired = executor.submit(() -> {
                    while (!waiter.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                            .Then(Op.put(key, other, PutOption.DEFAULT)).commit().get().isSucceeded()) {
                        // spin
                    }
                    long at = System.nanoTime();
                    waiter.delete(key).get();
                    return at;
                });
                Thread.sleep(30);
                long released = System.nanoTime();
                holder.delete(key).get();
                latencies[i] = acquired.get(1, TimeUnit.MINUTES) - released;
            }
            return summary(latencies);
        }
        finally {
            executor.shutdownNow();
        }
    }

    private String jetcdLockHandoff() throws Exception {
        ByteSequence name = bytes("jetcd-lock/" + uniqueName());
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (Client holders = client(); Client waiters = client()) {
            long[] latencies = new long[Math.min(handoffs, 50)];
            for (int i = 0; i < latencies.length; i++) {
                long holderLease = holders.getLeaseClient().grant(60).get().getID();
                ByteSequence held = holders.getLockClient().lock(name, holderLease).get().getKey();
                long waiterLease = waiters.getLeaseClient().grant(60).get().getID();
                Future<Long> acquired = executor.submit(() -> {
                    ByteSequence key = waiters.getLockClient().lock(name, waiterLease).get().getKey();
                    long at = System.nanoTime();
                    waiters.getLockClient().unlock(key).get();
                    return at;
                });
                Thread.sleep(30);
                long released = System.nanoTime();
                holders.getLockClient().unlock(held).get();
                latencies[i] = acquired.get(1, TimeUnit.MINUTES) - released;
                holders.getLeaseClient().revoke(holderLease).get();
                waiters.getLeaseClient().revoke(waiterLease).get();
            }
            return summary(latencies);
        }
        finally {
            executor.shutdownNow();
        }
    }

    private double sherlockContended() throws Exception {
        String name = uniqueName();
        List<EtcdBackend> backends = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                backends.add(EtcdBackend.builder().endpoints(endpoint).build());
            }
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            double rate = contended(client -> {
                EtcdLock lock = new EtcdLock(name, backends.get(client), "benchmark",
                        LockSettings.defaults().withTimeout(Duration.ofMinutes(1)));
                return () -> {
                    lock.acquire();
                    if (inside.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    inside.decrementAndGet();
                    lock.release();
                };
            });
            if (overlaps.get() != 0) {
                throw new IllegalStateException(overlaps + " overlapping holds");
            }
            return rate;
        }
        finally {
            backends.forEach(EtcdBackend::close);
        }
    }

    private double rawContended() throws Exception {
        ByteSequence key = bytes("raw/" + uniqueName());
        List<Client> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(client());
            }
            return contended(client -> {
                KV kv = clients.get(client).getKVClient();
                ByteSequence me = bytes("client-" + client);
                // Spin on the create-if-absent txn until it succeeds, then delete the key.
                return () -> {
                    while (!kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                            .Then(Op.put(key, me, PutOption.DEFAULT)).commit().get().isSucceeded()) {
                        // retry at once
                    }
                    kv.txn().If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(me)))
                            .Then(Op.delete(key, DeleteOption.DEFAULT)).commit().get();
                };
            });
        }
        finally {
            clients.forEach(Client::close);
        }
    }

    private double jetcdLockContended() throws Exception {
        ByteSequence name = bytes("jetcd-lock/" + uniqueName());
        List<Client> clients = new ArrayList<>();
        try {
            List<Long> leases = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                Client client = client();
                clients.add(client);
                leases.add(client.getLeaseClient().grant(120).get().getID());
            }
            return contended(client -> {
                io.etcd.jetcd.Lock locks = clients.get(client).getLockClient();
                long lease = leases.get(client);
                return () -> locks.unlock(locks.lock(name, lease).get().getKey()).get();
            });
        }
        finally {
            clients.forEach(Client::close);
        }
    }

    @FunctionalInterface
    private interface Operation {
        void run() throws Exception;
    }

    @FunctionalInterface
    private interface ClientLoop {
        Operation create(int client);
    }

    private double perSecond(Operation operation) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        long start = System.nanoTime();
        int count = 0;
        while (System.nanoTime() - end < 0) {
            operation.run();
            count++;
        }
        return count / ((System.nanoTime() - start) / 1e9);
    }

    /** Runs one loop per client until the duration has passed, and returns completed operations per second. */
    private double contended(ClientLoop loop) throws Exception {
        ExecutorService executor = Executors.newFixedThreadPool(CLIENTS);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        int[] perClient = new int[CLIENTS];
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                Operation operation = loop.create(client);
                futures.add(executor.submit(() -> {
                    start.await();
                    while (!stop.get()) {
                        operation.run();
                        perClient[client]++;
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            long began = System.nanoTime();
            start.countDown();
            Thread.sleep(duration.toMillis());
            stop.set(true);
            int completed = done.get();
            long elapsed = System.nanoTime() - began;
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
            logger.debug("per client: {}", Arrays.toString(perClient));
            return completed / (elapsed / 1e9);
        }
        finally {
            executor.shutdownNow();
        }
    }

    private static String summary(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "median %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)",
                millis(sorted, 0.5), millis(sorted, 0.9), millis(sorted, 0.99), sorted[sorted.length - 1] / 1e6,
                sorted.length);
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(quantile * sorted.length))] / 1e6;
    }

    private Client client() {
        return Client.builder().endpoints(endpoint).build();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String uniqueName() {
        return "bench-" + UUID.randomUUID();
    }

    private static void print(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }
}
