package dev.sherlock.redis;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import dev.sherlock.testserver.RedisSentinel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The backend through Sentinel-configured connection factories, on a real master and sentinel. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisSentinelTests {

    private static RedisSentinel sentinel;

    private static LettuceConnectionFactory factory;

    private static LettuceConnectionFactory otherFactory;

    private static RedisBackend backend;

    private static RedisBackend other;

    @BeforeAll
    static void start() {
        sentinel = RedisSentinel.start();
        factory = sentinelFactory();
        otherFactory = sentinelFactory();
        backend = RedisBackend.of(factory);
        other = RedisBackend.of(otherFactory);
    }

    @AfterAll
    static void stop() {
        backend.close();
        other.close();
        factory.destroy();
        otherFactory.destroy();
        sentinel.close();
    }

    private static LettuceConnectionFactory sentinelFactory() {
        LettuceConnectionFactory created = new LettuceConnectionFactory(new RedisSentinelConfiguration(
                RedisSentinel.MASTER_NAME, Set.of(sentinel.sentinelAddress())));
        created.afterPropertiesSet();
        created.start();
        return created;
    }

    @Test
    void locksLiveOnTheMasterTheSentinelNames() {
        String name = "sentinel-" + UUID.randomUUID();
        RedisLock lock = new RedisLock(name, backend, "billing", LockSettings.defaults());
        lock.acquire();
        assertThat(new RedisLock(name, other, "billing", LockSettings.defaults()).acquire(false)).isFalse();
        LettuceConnectionFactory direct = RedisTestSupport.factory(sentinel.master());
        try {
            assertThat(new StringRedisTemplate(direct).hasKey("billing_" + name)).isTrue();
        }
        finally {
            direct.destroy();
        }
        long token = lock.fencingToken();
        lock.release();
        RedisLock again = new RedisLock(name, other, "billing", LockSettings.defaults());
        assertThat(again.acquire(false)).isTrue();
        assertThat(again.fencingToken()).isGreaterThan(token);
        again.release();
    }

    @Test
    void releaseNotificationWakesAWaiterThroughSentinelConnections() throws Exception {
        LockSettings notifiedOnly = LockSettings.defaults().withExpire(Duration.ofHours(1))
                .withTimeout(Duration.ofHours(1)).withRetryInterval(Duration.ofHours(1));
        String name = "sentinel-" + UUID.randomUUID();
        RedisLock holder = new RedisLock(name, backend, null, notifiedOnly);
        holder.acquire();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> waiter = executor.submit(() -> {
                RedisLock lock = new RedisLock(name, other, null, notifiedOnly);
                lock.acquire();
                lock.release();
                return true;
            });
            RedisBackendTests.awaitWaiting(other, name, 1);
            holder.release();
            // Without the notification the waiter would sleep for an hour.
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
        }
        finally {
            executor.shutdownNow();
        }
    }
}
