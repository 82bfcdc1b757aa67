package dev.sherlock.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.file.FileBackend;
import dev.sherlock.memcached.MemcachedBackend;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.spi.LockBackend;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The backends a worker process locks with, built as an application would build them, with request timeouts short
 * enough that a paused or restarted server shows up as errors within the lock's expiry.
 */
final class WorkerBackends {

    /** How long one request may take before the client gives up on it. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private WorkerBackends() {
    }

    /** A backend and what must be closed after it. */
    record Opened(LockBackend backend, AutoCloseable resources) implements AutoCloseable {

        @Override
        public void close() throws Exception {
            try {
                backend.close();
            }
            finally {
                resources.close();
            }
        }
    }

    /**
     * Opens a backend.
     * @param kind {@code file}, {@code redis}, {@code memcached} or {@code etcd}
     * @param address the lock directory, {@code host:port}, or the etcd client URL
     */
    static Opened open(String kind, String address) {
        return switch (kind) {
            case "file" -> new Opened(FileBackend.of(Path.of(address)), () -> { });
            case "redis" -> redis(address);
            case "memcached" -> new Opened(MemcachedBackend.builder().servers(address).build(), () -> { });
            case "etcd" -> new Opened(EtcdBackend.builder().endpoints(List.of(address)).requestTimeout(REQUEST_TIMEOUT).build(), () -> { });
            default -> throw new IllegalArgumentException("Unknown backend " + kind);
        };
    }

    private static Opened redis(String address) {
        int colon = address.lastIndexOf(':');
        LettuceConnectionFactory factory = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration(address.substring(0, colon),
                        Integer.parseInt(address.substring(colon + 1))),
                LettuceClientConfiguration.builder().commandTimeout(REQUEST_TIMEOUT).build());
        factory.afterPropertiesSet();
        factory.start();
        return new Opened(RedisBackend.of(factory), factory::destroy);
    }
}
