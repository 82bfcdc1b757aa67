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

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.sherlock.Lock;
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
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.RedisStringCommands.SetOption;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.types.Expiration;

/**
 * Measures the Redis backend against plain Redis locking on a local redis-server, all in one run (not a test).
 *
 * <ul>
 * <li>uncontended acquire+release pairs/s, one thread: raw Lettuce {@code SET NX PX} + Lua compare-and-delete (the
 * floor: two round trips, nothing else), Sherlock's SPI ({@code RedisBackend}), and Sherlock's {@code RedisLock}
 * handle with its renewal scheduling;</li>
 * <li>hand-off latency: from the holder calling {@code release()} to a waiter blocked in {@code acquire()} on another
 * backend (its own connections, as another process) holding the lock, with notifications on and off;</li>
 * <li>contended throughput: 4 clients, each its own backend, looping acquire/release on one lock.</li>
 * </ul>
 *
 * Run from the repository root (see docs/redis.md):
 * <pre>
 * ./mvnw -q -o -pl sherlock-core test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
 *     -Dmdep.includeScope=test
 * java -cp sherlock-core/target/test-classes:sherlock-core/target/classes:$(cat sherlock-core/target/cp.txt) \
 *     dev.sherlock.redis.benchmark.RedisBenchmark [seconds-per-round]
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

    private final Duration round;

    private final LocalServer server;

    private final List<AutoCloseable> resources = new ArrayList<>();

    private RedisBenchmark(Duration round, LocalServer server) {
        this.round = round;
        this.server = server;
    }

    public static void main(String[] args) throws Exception {
        // Without a logback configuration every command would be logged at DEBUG.
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        Duration round = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
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
        System.out.printf(Locale.ROOT, "redis-server on %s:%d, %d rounds of %ds, %d CPUs, Java %s%n", server.host(),
                server.port(), ROUNDS, round.toSeconds(), Runtime.getRuntime().availableProcessors(),
                Runtime.version());
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
        Runnable lockPair = () -> {
            if (!lock.acquire(false)) {
                throw new IllegalStateException("RedisLock failed");
            }
            lock.release();
        };

        System.out.println();
        System.out.println("Uncontended acquire+release pairs/s (one thread; median of rounds, interleaved):");
        measureInterleaved(List.of("raw Lettuce SET NX PX + Lua delete", "same through Spring Data Redis",
                "Sherlock RedisBackend (SPI)", "Sherlock RedisLock (handle)"),
                List.of(rawPair, springPair, spiPair, lockPair));

        System.out.println();
        System.out.println("Hand-off latency, release() called -> waiter in another backend holds the lock:");
        rawHandOff();
        handOff("notifications on", backend, backend(true));
        handOff("notifications off", backend(false), backend(false));

        System.out.println();
        System.out.println("Contended: 4 clients (own backend each), one lock, acquire+release ops/s:");
        contended(4);
    }

    private void measureInterleaved(List<String> names, List<Runnable> pairs) {
        long[][] rates = new long[pairs.size()][ROUNDS];
        for (Runnable pair : pairs) {
            repeatFor(Duration.ofSeconds(2), pair);
        }
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < pairs.size(); i++) {
                rates[i][r] = repeatFor(round, pairs.get(i));
            }
        }
        long floor = median(rates[0]);
        for (int i = 0; i < pairs.size(); i++) {
            long median = median(rates[i]);
            System.out.printf(Locale.ROOT, "  %-40s %8d pairs/s  (%.2fx the raw cost; rounds %s)%n", names.get(i),
                    median, (double) floor / median, Arrays.toString(rates[i]));
        }
    }

    /** Runs the pair for the duration; returns pairs per second. */
    private static long repeatFor(Duration duration, Runnable pair) {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long count = 0;
        long now;
        do {
            pair.run();
            count++;
            now = System.nanoTime();
        }
        while (now - end < 0);
        return count * TimeUnit.SECONDS.toNanos(1) / (now - start);
    }

    private void handOff(String label, RedisBackend holderBackend, RedisBackend waiterBackend) throws Exception {
        LockSettings settings = LockSettings.defaults();
        String name = "bench-handoff-" + UUID.randomUUID();
        int samples = 200;
        long[] nanos = new long[samples];
        ExecutorService waiterThread = Executors.newSingleThreadExecutor();
        try {
            RedisLock holder = new RedisLock(name, holderBackend, null, settings);
            RedisLock waiter = new RedisLock(name, waiterBackend, null, settings);
            for (int i = -20; i < samples; i++) {
                holder.acquire();
                CountDownLatch started = new CountDownLatch(1);
                Future<Long> acquiredAt = waiterThread.submit(() -> {
                    started.countDown();
                    waiter.acquire();
                    long at = System.nanoTime();
                    waiter.release();
                    return at;
                });
                started.await();
                // Let the waiter fail its attempt and start waiting; a random phase against its retry interval.
                Thread.sleep(20 + (i & 7) * 3);
                long released = System.nanoTime();
                holder.release();
                long latency = acquiredAt.get(1, TimeUnit.MINUTES) - released;
                if (i >= 0) {
                    nanos[i] = latency;
                }
            }
        }
        finally {
            waiterThread.shutdownNow();
        }
        report("Sherlock, " + label, nanos);
    }

    private void contended(int clients) throws Exception {
        String name = "bench-contended-" + UUID.randomUUID();
        LockSettings settings = LockSettings.defaults().withTimeout(Duration.ofMinutes(1));
        List<Lock> locks = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            locks.add(new RedisLock(name, backend(true), null, settings));
        }
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
                            lock.acquire();
                            lock.release();
                            ops.incrementAndGet();
                        }
                        return null;
                    }));
                }
                long start = System.nanoTime();
                Thread.sleep(r < 0 ? 2000 : round.toMillis());
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
            System.out.printf(Locale.ROOT, "  Sherlock RedisLock, notifications on    %8d ops/s   (rounds %s)%n",
                    median(rates), Arrays.toString(rates));
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
        RedisBackend backend = RedisBackend.builder(factory()).notifications(notifications).build();
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

    /**
     * The floor for pub/sub hand-off in this environment: plain Lettuce, a waiter parked on a latch that its own
     * subscription opens, a holder whose release script deletes and publishes.
     */
    private void rawHandOff() throws Exception {
        RedisCommands<String, String> holder = rawClient();
        RedisCommands<String, String> waiter = rawClient();
        String releaseSha = holder.scriptLoad("""
                if redis.call('GET', KEYS[1]) == ARGV[1] then
                    redis.call('DEL', KEYS[1])
                    redis.call('PUBLISH', ARGV[2], KEYS[1])
                    return 1
                end
                return 0
                """);
        String key = "bench-raw-handoff-" + UUID.randomUUID();
        String channel = "bench-raw-" + UUID.randomUUID();
        RedisClient client = RedisClient.create(RedisURI.create(server.host(), server.port()));
        resources.add(client::shutdown);
        StatefulRedisPubSubConnection<String, String> subscription = client.connectPubSub();
        resources.add(subscription);
        AtomicReference<CountDownLatch> released = new AtomicReference<>(new CountDownLatch(1));
        subscription.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                released.get().countDown();
            }
        });
        subscription.sync().subscribe(channel);
        int samples = 200;
        long[] nanos = new long[samples];
        ExecutorService waiterThread = Executors.newSingleThreadExecutor();
        try {
            for (int i = -20; i < samples; i++) {
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
                long latency = acquiredAt.get(1, TimeUnit.MINUTES) - start;
                if (i >= 0) {
                    nanos[i] = latency;
                }
            }
        }
        finally {
            waiterThread.shutdownNow();
        }
        report("raw Lettuce pub/sub floor", nanos);
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
