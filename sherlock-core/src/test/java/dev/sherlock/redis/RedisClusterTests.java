package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.connection.RedisClusterConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The backend on a real three-master Redis Cluster: slots, exclusion and hand-off across nodes. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisClusterTests {

    /** Names whose braces make them hash differently from a naive {@code {name}} wrapper. */
    private static final List<String> AWKWARD = List.of("{user1}orders", "orders{eu}", "a}b", "a}b{c}", "{}x", "{",
            "}", "{}", "日本{語}", "plain");

    private final ExecutorService executor = Executors.newCachedThreadPool();

    private final RedisBackend backend = RedisTestSupport.cluster();

    private final RedisBackend other = RedisTestSupport.otherCluster();

    private final StringRedisTemplate raw = RedisTestSupport.rawCluster();

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    @Test
    void renewalsAreNotBatchedAcrossNodes() {
        assertThat(backend.renewsInBatches()).as("one slow master would hold up the renewals on the others")
                .isFalse();
        assertThat(RedisTestSupport.standalone().renewsInBatches()).as("pipelined to one server").isTrue();
        LettuceConnectionFactory dedicated = RedisTestSupport.factory(TestServers.redis());
        dedicated.setShareNativeConnection(false);
        try (RedisBackend pooled = RedisBackend.builder().connectionFactory(dedicated).notifications(false).build()) {
            assertThat(pooled.renewsInBatches()).as("a connection of its own for each call").isFalse();
        }
        finally {
            dedicated.destroy();
        }
    }

    @Test
    void companionKeysAreInTheLockKeysSlotOnTheRealCluster() {
        for (String name : AWKWARD) {
            String key = backend.key("ns", name + "-" + UUID.randomUUID());
            long slot = keySlot(key);
            assertThat(keySlot(backend.fenceKey(key))).as("fence key of %s", key).isEqualTo(slot);
            assertThat(keySlot(backend.waitingKey(key))).as("waiting key of %s", key).isEqualTo(slot);
            assertThat(keySlot(backend.releasedKey(key))).as("released key of %s", key).isEqualTo(slot);
            assertThat((long) RedisKeys.slot(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(slot);
        }
    }

    @Test
    void everyOperationRunsOnAwkwardNamesWithoutCrossSlotErrors() {
        for (String name : AWKWARD) {
            String key = backend.key("ns", name + "-" + UUID.randomUUID());
            assertThat(backend.tryAcquire(key, "first", Duration.ofMinutes(1)).acquired()).isTrue();
            assertThat(other.tryAcquire(key, "second", Duration.ofMinutes(1)).acquired()).isFalse();
            assertThat(backend.isLocked(key)).isTrue();
            assertThat(backend.renew(key, "first", null)).isTrue();
            assertThat(other.release(key, "second")).isFalse();
            assertThat(raw.opsForValue().get(key)).isEqualTo("first");
            assertThat(backend.release(key, "first")).isTrue();
            assertThat(other.tryAcquire(key, "second", Duration.ofMinutes(1)).acquired()).isTrue();
            assertThat(other.release(key, "second")).isTrue();
        }
    }

    @Test
    void locksSpreadOverEveryMaster() {
        Set<String> owners = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String key = "spread-" + UUID.randomUUID();
            backend.tryAcquire(key, "owner", Duration.ofMinutes(1));
            owners.add(raw.execute((RedisCallback<String>) connection -> ((RedisClusterConnection) connection)
                    .clusterGetNodeForKey(key.getBytes(StandardCharsets.UTF_8)).getId(), true));
            backend.release(key, "owner");
        }
        assertThat(owners).hasSize(3);
    }

    @Test
    void releaseOnAnyNodeWakesWaitersSubscribedElsewhere() throws Exception {
        LockSettings notifiedOnly = LockSettings.defaults().withExpire(Duration.ofHours(1))
                .withTimeout(Duration.ofHours(1)).withRetryInterval(Duration.ofHours(1));
        for (String name : AWKWARD) {
            String unique = name + "-" + UUID.randomUUID();
            RedisLock holder = new RedisLock(unique, backend, null, notifiedOnly);
            holder.acquire();
            Future<Boolean> waiter = executor.submit(() -> {
                RedisLock lock = new RedisLock(unique, other, null, notifiedOnly);
                lock.acquire();
                lock.release();
                return true;
            });
            RedisBackendTests.awaitWaiting(other, unique, 1);
            holder.release();
            // Without the notification the waiter would sleep for an hour.
            assertThat(waiter.get(10, TimeUnit.SECONDS)).as("hand-off of %s", unique).isTrue();
        }
    }

    /** Asks a node itself (CLUSTER KEYSLOT), rather than the client's own slot computation. */
    private long keySlot(String key) {
        return RedisTestSupport.rawClusterNode().execute((RedisCallback<Long>) connection -> RedisTestSupport
                .lettuce(connection).clusterKeyslot(key.getBytes(StandardCharsets.UTF_8)), true);
    }
}
