package dev.sherlock.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.RedisCluster;
import dev.sherlock.testserver.TestServers;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * Connection factories and backends on the shared test servers, as an application would build them: each "process"
 * has its own connection factory and backend. Shared ones are closed when the test JVM exits.
 */
final class RedisTestSupport {

    private static final List<AutoCloseable> shared = new ArrayList<>();

    private static RedisBackend standalone;

    private static RedisBackend otherStandalone;

    private static RedisBackend polling;

    private static RedisBackend cluster;

    private static RedisBackend otherCluster;

    private static RedisBackend jedis;

    private static RedisBackend otherJedis;

    private static LettuceConnectionFactory factory;

    private static StringRedisTemplate raw;

    private static StringRedisTemplate rawCluster;

    private static StringRedisTemplate rawClusterNode;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RedisTestSupport::closeShared, "close-redis-test-clients"));
    }

    private RedisTestSupport() {
    }

    /** The shared backend on the shared redis-server. */
    static synchronized RedisBackend standalone() {
        if (standalone == null) {
            standalone = keep(RedisBackend.of(keep(factory(TestServers.redis()))));
        }
        return standalone;
    }

    /** The kinds of backend the contract suites run on. */
    enum Kind { STANDALONE, POLLING, CLUSTER, JEDIS }

    /**
     * A backend of its own, on a connection factory of its own that {@code closeLater} is handed to close after the
     * backend: for fixtures that close what they create.
     */
    static RedisBackend fresh(Kind kind, Consumer<AutoCloseable> closeLater) {
        RedisConnectionFactory factory = switch (kind) {
            case STANDALONE, POLLING -> factory(TestServers.redis());
            case CLUSTER -> factory(RedisCluster.shared());
            case JEDIS -> jedisFactory(TestServers.redis());
        };
        closeLater.accept(((DisposableBean) factory)::destroy);
        return RedisBackend.builder().connectionFactory(factory).notifications(kind != Kind.POLLING).build();
    }

    /** A second backend with its own connections to the shared redis-server, as another process has. */
    static synchronized RedisBackend otherStandalone() {
        if (otherStandalone == null) {
            otherStandalone = keep(RedisBackend.of(keep(factory(TestServers.redis()))));
        }
        return otherStandalone;
    }

    /** A backend on the shared redis-server with release notifications switched off. */
    static synchronized RedisBackend polling() {
        if (polling == null) {
            polling = keep(RedisBackend.builder().connectionFactory(keep(factory(TestServers.redis()))).notifications(false).build());
        }
        return polling;
    }

    /** The shared backend on the shared Redis Cluster. */
    static synchronized RedisBackend cluster() {
        if (cluster == null) {
            cluster = keep(RedisBackend.of(keep(factory(RedisCluster.shared()))));
        }
        return cluster;
    }

    /** A second backend on the shared Redis Cluster. */
    static synchronized RedisBackend otherCluster() {
        if (otherCluster == null) {
            otherCluster = keep(RedisBackend.of(keep(factory(RedisCluster.shared()))));
        }
        return otherCluster;
    }

    /** A backend on the shared redis-server through Jedis instead of Lettuce. */
    static synchronized RedisBackend jedis() {
        if (jedis == null) {
            jedis = keep(RedisBackend.of(keep(jedisFactory(TestServers.redis()))));
        }
        return jedis;
    }

    /** A second backend through Jedis, as another process has. */
    static synchronized RedisBackend otherJedis() {
        if (otherJedis == null) {
            otherJedis = keep(RedisBackend.of(keep(jedisFactory(TestServers.redis()))));
        }
        return otherJedis;
    }

    /** A shared connection factory for the shared redis-server, for backends a test builds and closes itself. */
    static synchronized LettuceConnectionFactory factory() {
        if (factory == null) {
            factory = keep(factory(TestServers.redis()));
        }
        return factory;
    }

    /** Plain commands on the shared redis-server, to look at keys directly. */
    static synchronized StringRedisTemplate raw() {
        if (raw == null) {
            raw = new StringRedisTemplate(factory());
        }
        return raw;
    }

    /** Plain commands on the shared Redis Cluster. */
    static synchronized StringRedisTemplate rawCluster() {
        if (rawCluster == null) {
            rawCluster = new StringRedisTemplate(keep(factory(RedisCluster.shared())));
        }
        return rawCluster;
    }

    /** Plain commands on one node of the shared Redis Cluster, connected as to a standalone server. */
    static synchronized StringRedisTemplate rawClusterNode() {
        if (rawClusterNode == null) {
            rawClusterNode = new StringRedisTemplate(keep(factory(RedisCluster.shared().nodes().get(0))));
        }
        return rawClusterNode;
    }

    /** Lettuce's own synchronous commands on a standalone connection, for commands Spring Data Redis lacks. */
    @SuppressWarnings("unchecked")
    static RedisCommands<byte[], byte[]> lettuce(RedisConnection connection) {
        return ((RedisAsyncCommands<byte[], byte[]>) connection.getNativeConnection()).getStatefulConnection().sync();
    }

    /** A started connection factory for one server; the caller closes it with {@code destroy()}. */
    static LettuceConnectionFactory factory(LocalServer server) {
        return started(new LettuceConnectionFactory(new RedisStandaloneConfiguration(server.host(), server.port())));
    }

    /** A started connection factory logging in as an ACL user; the caller closes it with {@code destroy()}. */
    static LettuceConnectionFactory factory(LocalServer server, @Nullable String user, @Nullable String password) {
        RedisStandaloneConfiguration configuration = new RedisStandaloneConfiguration(server.host(), server.port());
        configuration.setUsername(user);
        if (password != null) {
            configuration.setPassword(password);
        }
        return started(new LettuceConnectionFactory(configuration));
    }

    /** A started connection factory for a server at an address (a proxy); the caller closes it with {@code destroy()}. */
    static LettuceConnectionFactory factory(String host, int port) {
        return started(new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port)));
    }

    /** A started connection factory for the cluster; the caller closes it with {@code destroy()}. */
    static LettuceConnectionFactory factory(RedisCluster cluster) {
        return started(new LettuceConnectionFactory(new RedisClusterConfiguration(cluster.addresses())));
    }

    private static JedisConnectionFactory jedisFactory(LocalServer server) {
        JedisConnectionFactory factory = new JedisConnectionFactory(
                new RedisStandaloneConfiguration(server.host(), server.port()));
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    private static LettuceConnectionFactory started(LettuceConnectionFactory factory) {
        factory.afterPropertiesSet();
        factory.start();
        return factory;
    }

    private static <T> T keep(T resource) {
        if (resource instanceof LettuceConnectionFactory factory) {
            shared.add(factory::destroy);
        }
        else if (resource instanceof JedisConnectionFactory factory) {
            shared.add(factory::destroy);
        }
        else if (resource instanceof AutoCloseable closeable) {
            shared.add(closeable);
        }
        return resource;
    }

    private static synchronized void closeShared() {
        // Backends first, then their factories: the reverse of creation.
        for (int i = shared.size() - 1; i >= 0; i--) {
            try {
                shared.get(i).close();
            }
            catch (Exception ex) {
                // best effort at JVM exit
            }
        }
    }
}
