package dev.sherlock.benchmark;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;
import dev.sherlock.benchmark.Contender.Kind;
import dev.sherlock.benchmark.Contender.Scenario;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.testserver.LocalServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.redis.spring.RedisLockProvider;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.redis.util.RedisLockRegistry;

/**
 * Redis: the raw floor (Lettuce {@code SET NX PX} + a Lua compare-and-delete, retried at once), Spring Integration's
 * {@code RedisLockRegistry} (spin and pub/sub), Redisson's {@code RLock}, ShedLock's Redis provider (uncontended
 * only: it never blocks) and Sherlock, all with a 30 s expiry.
 */
final class RedisContenders {

    static final Duration EXPIRE = Duration.ofSeconds(30);

    private static final String DELETE_IF_OWNER = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
                return redis.call('DEL', KEYS[1])
            end
            return 0
            """;

    private RedisContenders() {
    }

    static List<Contender> all(LocalServer redis) {
        EnumSet<Scenario> every = EnumSet.allOf(Scenario.class);
        return List.of(
                new Contender("redis", "raw floor", Kind.FLOOR, every, () -> new Raw(redis)),
                new Contender("redis", "Spring Integration spin", Kind.PEER, every,
                        () -> springIntegration(redis, RedisLockRegistry.RedisLockType.SPIN_LOCK)),
                new Contender("redis", "Spring Integration pub/sub", Kind.PEER, every,
                        () -> springIntegration(redis, RedisLockRegistry.RedisLockType.PUB_SUB_LOCK)),
                new Contender("redis", "Redisson RLock", Kind.PEER, every, () -> redisson(redis, EXPIRE)),
                new Contender("redis", "ShedLock", Kind.PEER, EnumSet.of(Scenario.UNCONTENDED),
                        () -> shedLock(redis)),
                new Contender("redis", "Sherlock", Kind.SHERLOCK, every,
                        () -> sherlock(redis, Benchmarks.SHERLOCK_SETTINGS)));
    }

    static LettuceConnectionFactory connectionFactory(LocalServer redis) {
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(redis.host(), redis.port()));
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    static Client sherlock(LocalServer redis, LockSettings settings) {
        LettuceConnectionFactory factory = connectionFactory(redis);
        RedisBackend backend = RedisBackend.builder().connectionFactory(factory).build();
        LockRegistry registry = LockRegistry.of(backend, "benchmark", settings);
        return Clients.of(name -> Clients.sherlock(registry.getLock(name)), backend::close, factory::destroy);
    }

    private static Client springIntegration(LocalServer redis, RedisLockRegistry.RedisLockType type) {
        LettuceConnectionFactory factory = connectionFactory(redis);
        RedisLockRegistry registry = new RedisLockRegistry(factory, "bench-si", EXPIRE);
        registry.setRedisLockType(type);
        return Clients.of(name -> Clients.handle(registry.obtain(name)), registry::destroy, factory::destroy);
    }

    static Client redisson(LocalServer redis, Duration expire) {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://" + redis.host() + ":" + redis.port());
        // The watchdog renews like Sherlock's auto-renew: a lock without a lease time lives 'expire' past its last
        // renewal, renewed every third of it.
        config.setLockWatchdogTimeout(expire.toMillis());
        RedissonClient client = Redisson.create(config);
        return Clients.of(name -> Clients.handle(client.getLock(name)), client::shutdown);
    }

    private static Client shedLock(LocalServer redis) {
        LettuceConnectionFactory factory = connectionFactory(redis);
        RedisLockProvider provider = new RedisLockProvider(factory, "bench");
        return Clients.of(name -> new Handle() {
            private SimpleLock held;

            @Override
            public void lock() {
                Optional<SimpleLock> lock = provider.lock(new LockConfiguration(Instant.now(), name, EXPIRE,
                        Duration.ZERO));
                held = lock.orElseThrow(() -> new IllegalStateException("ShedLock: lock " + name + " is held"));
            }

            @Override
            public void unlock() {
                held.unlock();
            }
        }, factory::destroy);
    }

    /** The floor: two round trips per pair and nothing else; a waiter retries at once. */
    private static final class Raw implements Client {

        private final RedisClient client;

        private final StatefulRedisConnection<String, String> connection;

        private final RedisCommands<String, String> commands;

        private final String deleteSha;

        Raw(LocalServer redis) {
            this.client = RedisClient.create(RedisURI.create(redis.host(), redis.port()));
            this.connection = client.connect();
            this.commands = connection.sync();
            this.deleteSha = commands.scriptLoad(DELETE_IF_OWNER);
        }

        @Override
        public Handle handle(String name) {
            String owner = UUID.randomUUID().toString();
            SetArgs ifAbsent = SetArgs.Builder.nx().px(EXPIRE.toMillis());
            String[] keys = {name};
            return new Handle() {
                @Override
                public void lock() {
                    while (!"OK".equals(commands.set(name, owner, ifAbsent))) {
                        // retry at once
                    }
                }

                @Override
                public void unlock() {
                    if (commands.<Long>evalsha(deleteSha, ScriptOutputType.INTEGER, keys, owner) != 1) {
                        throw new IllegalStateException("raw floor: lock " + name + " was not held");
                    }
                }
            };
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }

    /** Redis itself: its process and {@code INFO commandstats}. */
    static Server server(LocalServer redis) {
        RedisClient client = RedisClient.create(RedisURI.create(redis.host(), redis.port()));
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> commands = connection.sync();
        String version = commands.info("server").lines().filter(line -> line.startsWith("redis_version:"))
                .map(line -> line.substring("redis_version:".length()).trim()).findFirst().orElse("?");
        return new Server() {
            @Override
            public String describe() {
                return "redis-server " + version;
            }

            @Override
            public long cpuNanos() {
                return Server.cpuNanosOf(redis.pid());
            }

            /** The INFO calls of these counters so far, each one read of the server's. */
            private long infoCalls;

            @Override
            public synchronized long requests() {
                // Every command but the INFO calls of this counter.
                infoCalls++;
                return commands.info("commandstats").lines().filter(line -> line.startsWith("cmdstat_")
                        && !line.startsWith("cmdstat_info:")).mapToLong(RedisContenders::calls).sum();
            }

            @Override
            public synchronized long reads() {
                infoCalls++;
                long reads = commands.info("stats").lines().filter(line -> line.startsWith("total_reads_processed:"))
                        .mapToLong(line -> Long.parseLong(line.substring("total_reads_processed:".length()).trim()))
                        .findFirst().orElse(-1);
                return reads < 0 ? -1 : reads - infoCalls;
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    private static long calls(String commandStat) {
        int start = commandStat.indexOf("calls=") + "calls=".length();
        int end = commandStat.indexOf(',', start);
        return Long.parseLong(commandStat.substring(start, end < 0 ? commandStat.length() : end));
    }
}
