package dev.sherlock.testserver;

import java.util.List;

/**
 * The servers shared by the tests of one JVM: each is started on first use on free loopback ports, with no
 * persistence, and stopped when the JVM exits.
 */
public final class TestServers {

    /** redis-server without persistence. */
    public static final LocalServer.Spec REDIS = new LocalServer.Spec("redis", "redis-server", "redis-server", 1,
            (binary, ports, dir) -> List.of(binary, "--port", Integer.toString(ports[0]), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"),
            "redis:7.0", List.of(6379), List.of("redis-server", "--save", "", "--appendonly", "no"));

    /** memcached; as root it needs {@code -u root}. */
    public static final LocalServer.Spec MEMCACHED = new LocalServer.Spec("memcached", "memcached", "memcached", 1,
            (binary, ports, dir) -> List.of(binary, "-p", Integer.toString(ports[0]), "-l", "127.0.0.1", "-U", "0",
                    "-u", System.getProperty("user.name"), "-m", "64"),
            "memcached:1.6", List.of(11211), List.of());

    /** The user {@link #MEMCACHED_SASL} accepts. */
    public static final String SASL_USERNAME = "sherlock";

    /** The password of {@link #SASL_USERNAME}; distinctive, so tests can check it leaks nowhere. */
    public static final String SASL_PASSWORD = "pw-Zq7-never-shown";

    /**
     * memcached demanding SASL PLAIN authentication ({@code -S}, binary protocol only) as {@link #SASL_USERNAME} with
     * {@link #SASL_PASSWORD}; its SASL configuration and password database live in its temporary directory.
     */
    public static final LocalServer.Spec MEMCACHED_SASL = new LocalServer.Spec("memcached-sasl", "memcached",
            "memcached", 1, (binary, ports, dir) -> List.of(binary, "-S", "-p", Integer.toString(ports[0]), "-l",
                    "127.0.0.1", "-U", "0", "-u", System.getProperty("user.name"), "-m", "64"),
            directory -> SaslDatabase.prepare(directory, SASL_USERNAME, SASL_PASSWORD));

    /** A single-member etcd with a temporary data directory; ports: client, peer. */
    public static final LocalServer.Spec ETCD = new LocalServer.Spec("etcd", "etcd", "etcd-server", 2,
            (binary, ports, dir) -> List.of(binary, "--name", "sherlock-test", "--data-dir",
                    dir.resolve("data").toString(), "--listen-client-urls", "http://127.0.0.1:" + ports[0],
                    "--advertise-client-urls", "http://127.0.0.1:" + ports[0], "--listen-peer-urls",
                    "http://127.0.0.1:" + ports[1], "--initial-advertise-peer-urls", "http://127.0.0.1:" + ports[1],
                    "--initial-cluster", "sherlock-test=http://127.0.0.1:" + ports[1]),
            "quay.io/coreos/etcd:v3.4.35", List.of(2379, 2380), List.of("etcd", "--listen-client-urls",
                    "http://0.0.0.0:2379", "--advertise-client-urls", "http://127.0.0.1:2379"));

    private static LocalServer redis;

    private static LocalServer memcached;

    private static LocalServer etcd;

    private static LocalServer memcachedSasl;

    private TestServers() {
    }

    /** The shared redis-server. */
    public static synchronized LocalServer redis() {
        if (redis == null || !redis.isAlive()) {
            redis = LocalServer.start(REDIS);
        }
        return redis;
    }

    /** The shared memcached. */
    public static synchronized LocalServer memcached() {
        if (memcached == null || !memcached.isAlive()) {
            memcached = LocalServer.start(MEMCACHED);
        }
        return memcached;
    }

    /** The shared memcached that demands SASL authentication, see {@link #MEMCACHED_SASL}. */
    public static synchronized LocalServer memcachedSasl() {
        if (memcachedSasl == null || !memcachedSasl.isAlive()) {
            memcachedSasl = LocalServer.start(MEMCACHED_SASL);
        }
        return memcachedSasl;
    }

    /** The shared single-member etcd. */
    public static synchronized LocalServer etcd() {
        if (etcd == null || !etcd.isAlive()) {
            etcd = LocalServer.start(ETCD);
        }
        return etcd;
    }
}
