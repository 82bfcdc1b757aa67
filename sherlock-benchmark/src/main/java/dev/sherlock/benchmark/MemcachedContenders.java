package dev.sherlock.benchmark;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;
import dev.sherlock.benchmark.Contender.Kind;
import dev.sherlock.benchmark.Contender.Scenario;
import dev.sherlock.memcached.MemcachedBackend;
import dev.sherlock.testserver.LocalServer;
import net.spy.memcached.MemcachedClient;

/**
 * Memcached: the raw floor (spymemcached {@code add}, retried at once, and a plain {@code delete}: no owner check,
 * as py-sherlock's memcached lock) and Sherlock (an owner-checked release: {@code gets} + {@code cas}).
 */
final class MemcachedContenders {

    /** The counters of {@code stats} that count requests. */
    private static final List<String> REQUEST_STATS = List.of("cmd_get", "cmd_set", "cmd_touch", "delete_hits",
            "delete_misses", "incr_hits", "incr_misses", "decr_hits", "decr_misses");

    private MemcachedContenders() {
    }

    static List<Contender> all(LocalServer memcached) {
        EnumSet<Scenario> every = EnumSet.allOf(Scenario.class);
        return List.of(
                new Contender("memcached", "raw floor", Kind.FLOOR, every, () -> raw(memcached)),
                new Contender("memcached", "Sherlock", Kind.SHERLOCK, every,
                        () -> sherlock(memcached, Benchmarks.SHERLOCK_SETTINGS)));
    }

    static String servers(LocalServer memcached) {
        return memcached.host() + ":" + memcached.port();
    }

    static Client sherlock(LocalServer memcached, LockSettings settings) {
        MemcachedBackend backend = MemcachedBackend.builder().servers(servers(memcached)).build();
        LockRegistry registry = LockRegistry.of(backend, "benchmark", settings);
        return Clients.of(name -> Clients.sherlock(registry.getLock(name)), backend::close);
    }

    private static Client raw(LocalServer memcached) {
        MemcachedClient client = MemcachedBackend.createClient(servers(memcached));
        int expire = (int) RedisContenders.EXPIRE.toSeconds();
        return Clients.of(name -> {
            String owner = UUID.randomUUID().toString();
            return new Handle() {
                @Override
                public void lock() throws Exception {
                    while (!client.add(name, expire, owner).get()) {
                        // retry at once
                    }
                }

                @Override
                public void unlock() throws Exception {
                    if (!client.delete(name).get()) {
                        throw new IllegalStateException("raw floor: lock " + name + " was not held");
                    }
                }
            };
        }, client::shutdown);
    }

    /** memcached itself: its process and the request counters of {@code stats}. */
    static Server server(LocalServer memcached) {
        MemcachedClient client = MemcachedBackend.createClient(servers(memcached));
        return new Server() {
            @Override
            public String describe() {
                return "memcached " + stats().getOrDefault("version", "?");
            }

            @Override
            public long cpuNanos() {
                return Server.cpuNanosOf(memcached.pid());
            }

            @Override
            public long requests() {
                Map<String, String> stats = stats();
                return REQUEST_STATS.stream().mapToLong(stat -> Long.parseLong(stats.getOrDefault(stat, "0"))).sum();
            }

            @Override
            public void close() {
                client.shutdown();
            }

            private Map<String, String> stats() {
                return client.getStats().values().iterator().next();
            }
        };
    }
}
