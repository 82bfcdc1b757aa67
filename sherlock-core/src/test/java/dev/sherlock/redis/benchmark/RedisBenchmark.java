package dev.sherlock.redis.benchmark;

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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

import dev.sherlock.LockSettings;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.redis.RedisLock;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.types.Expiration;
import org.springframework.integration.redis.util.RedisLockRegistry;

/**
 * Measures the Redis backend against plain Redis locking on a local redis-server, all in one run (not a test).
 *
 * <ul>
 * <li>uncontended acquire+release pairs/s, one thread: raw Lettuce {@code SET NX PX} + Lua compare-and-delete (the
 * floor: two round trips, nothing else), the same through Spring Data Redis's connection API (what a
 * RedisTemplate-based lock pays), Sherlock's SPI ({@code RedisBackend}), and Sherlock's {@code RedisLock} handle
 * with its renewal scheduling; the variants run in interleaved 100 ms slices;</li>
 * <li>hand-off latency: from the holder calling release to a waiter blocked in acquire on another client (its own
 * connections, as another process) holding the lock: a raw Lettuce pub/sub hand-off as the floor, interleaved with
 * Sherlock's, then Sherlock with notifications off;</li>
 * <li>contended throughput: 4 clients, each its own backend, looping acquire/release on one lock.</li>
 * </ul>
 *
 * Run from the repository root (see docs/redis.md):
 * <pre>
 * ./scripts/benchmark.sh dev.sherlock.redis.benchmark.RedisBenchmark [seconds per variant, default 10]
 * </pre>
 * It starts its own redis-server on a free port (as the tests do) and stops it at the end.
 */
public final class RedisBenchmark {

    private static final String DELETE_IF_OWNER = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
                return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private static final int ROUNDS = 3;

    private static final Duration DEFAULT_ROUND = Duration.ofSeconds(10);

    /** How long each uncontended variant and the contended run are measured. */
    private final Duration round;

    private final LocalServer server;

    private final List<AutoCloseable> resources = new ArrayList<>();

    private RedisBenchmark(Duration round, LocalServer server) {
        this.round = round;
        this.server = server;
    }

    public static void main(String[] args) throws Exception {
        Duration round = args.length > 0 ? Duration.ofSeconds(Long.parseLong(args[0])) : DEFAULT_ROUND;
        LocalServer server = LocalServer.start(TestServers.REDIS);
        RedisBenchmark benchmark = new RedisBenchmark(round, server);
        try {
            benchmark.run();
        }
        finally {
            benchmark.closeAll();
            server.close();
        }
        System.exit(0);
    }

    private void run() throws Exception {
        System.out.printf(Locale.ROOT, "redis-server %s:%d; %d CPUs; Java %s%n", server.host(), server.port(),
                Runtime.getRuntime().availableProcessors(), Runtime.version());
        RedisCommands<String, String> raw = rawClient();
        RedisBackend backend = backend(true);
        LettuceConnectionFactory springFactory = factory();
        String rawKey = "bench-raw-" + UUID.randomUUID();
        String rawSha = raw.scriptLoad(DELETE_IF_OWNER);
        String spiKey = backend.key(null, "bench-spi-" + UUID.randomUUID());
        RedisLock lock = new RedisLock("bench-lock-" + UUID.randomUUID(), backend);
        AtomicLong owners = new AtomicLong();

        Runnable rawPair = () -> {
            String owner = "owner-" + owners.incrementAndGet();
            if (!"OK".equals(raw.set(rawKey, owner, SetArgs.Builder.nx().px(60_000)))
                    || raw.<Long>evalsha(rawSha, ScriptOutputType.INTEGER, new String[] {rawKey}, owner) != 1) {
                throw new IllegalStateException("raw lock failed");
            }
        };
        Runnable springPair = () -> {
            String owner = "owner-" + owners.incrementAndGet();
            try (RedisConnection connection = springFactory.getConnection()) {
                byte[] key = rawKey.getBytes(StandardCharsets.UTF_8);
                byte[] value = owner.getBytes(StandardCharsets.UTF_8);
                if (!Boolean.TRUE.equals(connection.stringCommands().set(key, value, Expiration.milliseconds(60_000),
                        SetOption.ifAbsent())) || connection.scriptingCommands().<Long>evalSha(rawSha,
                                ReturnType.INTEGER, 1, key, value) != 1) {
                    throw new IllegalStateException("Spring Data Redis lock failed");
                }
            }
        };
        Runnable spiPair = () -> {
            String owner = "owner-" + owners.incrementAndGet();
            if (!backend.tryAcquire(spiKey, owner, Duration.ofSeconds(60)).acquired()
                    || !backend.release(spiKey, owner)) {
                throw new IllegalStateException("backend lock failed");
            }
        };
        Lock siLock = springIntegration(springFactory).obtain("bench-si-" + UUID.randomUUID());
        Runnable siPair = () -> {
            siLock.lock();
            siLock.unlock();
        };
        Runnable lockPair = () -> {
            if (!lock.acquire(false)) {
                throw new IllegalStateException("RedisLock failed");
            }
            lock.release();
        };

        System.out.println();
        System.out.printf(Locale.ROOT, "Uncontended acquire+release, one thread, %ds each in interleaved 100 ms"
                + " slices:%n", round.toSeconds());
        measureInterleaved(List.of("raw Lettuce SET NX PX + Lua delete", "same through Spring Data Redis",
                "Spring Integration RedisLockRegistry", "Sherlock RedisBackend (SPI)", "Sherlock RedisLock (handle)"),
                List.of(rawPair, springPair, siPair, spiPair, lockPair));

        System.out.println();
        System.out.println("Hand-off latency, release called -> waiter in another client holds the lock"
                + " (samples interleaved):");
        int samples = 300;
        HandOff rawHandOff = new RawHandOff();
        HandOff notified = new SherlockHandOff(backend, backend(true));
        HandOff integration = new SpringIntegrationHandOff();
        List<HandOff> handOffs = List.of(rawHandOff, integration, notified);
        long[][] nanos = new long[handOffs.size()][samples];
        for (int i = -30; i < samples; i++) {
            for (int h = 0; h < handOffs.size(); h++) {
                long sample = handOffs.get(h).sample(i);
                if (i >= 0) {
                    nanos[h][i] = sample;
                }
            }
        }
        report("raw Lettuce pub/sub floor", nanos[0]);
        report("Spring Integration pub/sub", nanos[1]);
        report("Sherlock, notifications on", nanos[2]);
        HandOff polling = new SherlockHandOff(backend(false), backend(false));
        long[] polled = new long[samples / 3];
        for (int i = -5; i < polled.length; i++) {
            long sample = polling.sample(i);
            if (i >= 0) {
                polled[i] = sample;
            }
        }
        report("Sherlock, notifications off", polled);

        System.out.println();
        System.out.println("Contended: 4 clients (own connections each), one lock, acquire+release ops/s:");
        contended(4);
    }

    /** Rotates through the variants in 100 ms slices, so load changes on the machine hit all of them alike. */
    private void measureInterleaved(List<String> names, List<Runnable> pairs) {
        Duration slice = Duration.ofMillis(100);
        for (Runnable pair : pairs) {
            repeatFor(Duration.ofSeconds(2), pair);
        }
        long[] counts = new long[pairs.size()];
        long[] nanos = new long[pairs.size()];
        long slices = round.toMillis() / slice.toMillis();
        for (long s = 0; s < slices; s++) {
            for (int k = 0; k < pairs.size(); k++) {
                int i = (int) ((k + s) % pairs.size());
                long start = System.nanoTime();
                counts[i] += repeatFor(slice, pairs.get(i));
                nanos[i] += System.nanoTime() - start;
            }
        }
        double floor = counts[0] * 1e9 / nanos[0];
        for (int i = 0; i < pairs.size(); i++) {
            double rate = counts[i] * 1e9 / nanos[i];
            System.out.printf(Locale.ROOT, "  %-36s %8.0f pairs/s   %6.1f us/pair   %.2fx the raw cost%n",
                    names.get(i), rate, 1e6 / rate, floor / rate);
        }
    }

    /** Runs the pair for the duration; returns how many pairs ran. */
    private static long repeatFor(Duration duration, Runnable pair) {
        long end = System.nanoTime() + duration.toNanos();
        long count = 0;
        do {
            pair.run();
            count++;
        }
        while (System.nanoTime() - end < 0);
        return count;
    }

    /** One hand-off measurement: hold, let a waiter start waiting, release, and time until the waiter holds it. */
    private interface HandOff {
        long sample(int i) throws Exception;
    }

    private final class SherlockHandOff implements HandOff {

        private final RedisLock holder;

        private final RedisLock waiter;

        private final ExecutorService waiterThread = Executors.newSingleThreadExecutor();

        SherlockHandOff(RedisBackend holderBackend, RedisBackend waiterBackend) {
            String name = "bench-handoff-" + UUID.randomUUID();
            this.holder = new RedisLock(name, holderBackend, null, LockSettings.defaults());
            this.waiter = new RedisLock(name, waiterBackend, null, LockSettings.defaults());
            resources.add(waiterThread::shutdownNow);
        }

        @Override
        public long sample(int i) throws Exception {
            holder.acquire();
            Future<Long> acquiredAt = waiterThread.submit(() -> {
                waiter.acquire();
                long at = System.nanoTime();
                waiter.release();
                return at;
            });
            // Let the waiter fail its attempt and start waiting, at a varying phase of its retry interval.
            Thread.sleep(20 + (i & 7) * 3);
            long released = System.nanoTime();
            holder.release();
            return acquiredAt.get(1, TimeUnit.MINUTES) - released;
        }
    }

    /** Spring Integration's registry in its pub/sub mode, as its documentation sets it up. */
    private RedisLockRegistry springIntegration(LettuceConnectionFactory factory) {
        RedisLockRegistry registry = new RedisLockRegistry(factory, "bench-si", Duration.ofSeconds(60));
        registry.setRedisLockType(RedisLockRegistry.RedisLockType.PUB_SUB_LOCK);
        resources.add(registry::destroy);
        return registry;
    }

    private final class SpringIntegrationHandOff implements HandOff {

        private final Lock holder;

        private final Lock waiter;

        private final ExecutorService waiterThread = Executors.newSingleThreadExecutor();

        SpringIntegrationHandOff() {
            String name = "bench-si-handoff-" + UUID.randomUUID();
            this.holder = springIntegration(factory()).obtain(name);
            this.waiter = springIntegration(factory()).obtain(name);
            resources.add(waiterThread::shutdownNow);
        }

        @Override
        public long sample(int i) throws Exception {
            holder.lock();
            Future<Long> acquiredAt = waiterThread.submit(() -> {
                waiter.lock();
                long at = System.nanoTime();
                waiter.unlock();
                return at;
            });
            Thread.sleep(20 + (i & 7) * 3);
            long released = System.nanoTime();
            holder.unlock();
            return acquiredAt.get(1, TimeUnit.MINUTES) - released;
        }
    }

    /**
     * The floor for pub/sub hand-off in this environment: plain Lettuce, a waiter parked on a latch that its own
     * subscription opens, a holder whose release script deletes and publishes.
     */
    private final class RawHandOff implements HandOff {

        private final RedisCommands<String, String> holder = rawClient();

        private final RedisCommands<String, String> waiter = rawClient();

        private final String releaseSha = holder.scriptLoad("""
                if redis.call('GET', KEYS[1]) == ARGV[1] then
                    redis.call('DEL', KEYS[1])
                    redis.call('PUBLISH', ARGV[2], KEYS[1])
                    return 1
                end
                return 0
                """);

        private final String key = "bench-raw-handoff-" + UUID.randomUUID();

        private final String channel = "bench-raw-" + UUID.randomUUID();

        private final AtomicReference<CountDownLatch> released = new AtomicReference<>(new CountDownLatch(1));

        private final ExecutorService waiterThread = Executors.newSingleThreadExecutor();

        RawHandOff() {
            RedisClient client = RedisClient.create(RedisURI.create(server.host(), server.port()));
            resources.add(client::shutdown);
            StatefulRedisPubSubConnection<String, String> subscription = client.connectPubSub();
            resources.add(subscription);
            subscription.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    released.get().countDown();
                }
            });
            subscription.sync().subscribe(channel);
            resources.add(waiterThread::shutdownNow);
        }

        @Override
        public long sample(int i) throws Exception {
            holder.set(key, "holder", SetArgs.Builder.nx().px(60_000));
            CountDownLatch latch = new CountDownLatch(1);
            released.set(latch);
            Future<Long> acquiredAt = waiterThread.submit(() -> {
                while (!"OK".equals(waiter.set(key, "waiter", SetArgs.Builder.nx().px(60_000)))) {
                    latch.await(100, TimeUnit.MILLISECONDS);
                }
                long at = System.nanoTime();
                waiter.del(key);
                return at;
            });
            Thread.sleep(20 + (i & 7) * 3);
            long start = System.nanoTime();
            holder.<Long>evalsha(releaseSha, ScriptOutputType.INTEGER, new String[] {key}, "holder", channel);
            return acquiredAt.get(1, TimeUnit.MINUTES) - start;
        }
    }

    private void contended(int clients) throws Exception {
        String name = "bench-contended-" + UUID.randomUUID();
        LockSettings settings = LockSettings.defaults().withTimeout(Duration.ofMinutes(1));
        List<Lock> sherlock = new ArrayList<>();
        List<Lock> integration = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            sherlock.add(new RedisLock(name, backend(true), null, settings));
            integration.add(springIntegration(factory()).obtain(name));
        }
        contended("Spring Integration pub/sub", integration);
        contended("Sherlock RedisLock", sherlock);
    }

    private void contended(String label, List<Lock> locks) throws Exception {
        int clients = locks.size();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            long[] rates = new long[ROUNDS];
            for (int r = -1; r < ROUNDS; r++) {
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicLong ops = new AtomicLong();
                List<Future<?>> futures = new ArrayList<>();
                for (Lock lock : locks) {
                    futures.add(threads.submit(() -> {
                        while (running.get()) {
                            lock.lock();
                            lock.unlock();
                            ops.incrementAndGet();
                        }
                        return null;
                    }));
                }
                long start = System.nanoTime();
                Thread.sleep(r < 0 ? 2000 : round.toMillis() / ROUNDS);
                long counted = ops.get();
                long elapsed = System.nanoTime() - start;
                running.set(false);
                for (Future<?> future : futures) {
                    future.get(1, TimeUnit.MINUTES);
                }
                if (r >= 0) {
                    rates[r] = counted * TimeUnit.SECONDS.toNanos(1) / elapsed;
                }
            }
            System.out.printf(Locale.ROOT, "  %-36s %8d ops/s   (rounds %s)%n", label, median(rates),
                    Arrays.toString(rates));
        }
        finally {
            threads.shutdownNow();
        }
    }

    private RedisCommands<String, String> rawClient() {
        RedisClient client = RedisClient.create(RedisURI.create(server.host(), server.port()));
        StatefulRedisConnection<String, String> connection = client.connect();
        resources.add(client::shutdown);
        resources.add(connection);
        return connection.sync();
    }

    /** A backend with its own connection factory, as each process has. */
    private RedisBackend backend(boolean notifications) {
        RedisBackend backend = RedisBackend.builder().connectionFactory(factory()).notifications(notifications).build();
        resources.add(backend);
        return backend;
    }

    private LettuceConnectionFactory factory() {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(server.host(), server.port()));
        factory.afterPropertiesSet();
        factory.start();
        resources.add(factory::destroy);
        return factory;
    }

    private static void report(String label, long[] nanos) {
        Arrays.sort(nanos);
        int samples = nanos.length;
        System.out.printf(Locale.ROOT, "  %-26s median %7.3f ms   p90 %7.3f ms   p99 %7.3f ms   (%d samples)%n",
                label, nanos[samples / 2] / 1e6, nanos[samples * 9 / 10] / 1e6, nanos[samples * 99 / 100] / 1e6,
                samples);
    }

    private void closeAll() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            }
            catch (Exception ex) {
                System.err.println("closing failed: " + ex);
            }
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
