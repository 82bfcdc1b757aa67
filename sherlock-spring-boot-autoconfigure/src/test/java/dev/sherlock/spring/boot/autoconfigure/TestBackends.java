package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;

import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;

/**
 * The properties that point an application at one backend of the tests: the file backend in a directory, or the
 * Redis or etcd server the tests started (the same server for every context, so contexts contend as applications
 * sharing a backend do).
 */
final class TestBackends {

    private TestBackends() {
    }

    /**
     * The properties for {@code backend}.
     * @param backend {@code file}, {@code redis} or {@code etcd}
     * @param directory the lock directory of the file backend
     * @return {@code name=value} pairs
     */
    static String[] properties(String backend, Path directory) {
        return switch (backend) {
            case "file" -> new String[] { "sherlock.file.directory=" + directory };
            case "redis" -> {
                LocalServer redis = TestServers.redis();
                yield new String[] { "sherlock.backend=redis", "spring.data.redis.host=" + redis.host(),
                    "spring.data.redis.port=" + redis.port() };
            }
            case "etcd" -> {
                LocalServer etcd = TestServers.etcd();
                yield new String[] { "sherlock.backend=etcd",
                    "sherlock.etcd.endpoints=http://" + etcd.host() + ":" + etcd.port() };
            }
            default -> throw new IllegalArgumentException("No test backend '" + backend + "'");
        };
    }
}
