package dev.sherlock.redis;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** What the contract suite cannot show for Jedis: hand-off by notification alone, and sharing locks with Lettuce. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisJedisTests {

    private static final LockSettings NOTIFIED_ONLY = LockSettings.defaults().withExpire(Duration.ofHours(1))
            .withTimeout(Duration.ofHours(1)).withRetryInterval(Duration.ofHours(1));

    @Test
    void renewalsThroughJedisAreNotBatched() {
        // Jedis sends the scripts of a batch one after the other: nothing to gain from waiting for a batch.
        assertThat(RedisTestSupport.jedis().renewsInBatches()).isFalse();
    }

    @Test
    void releaseThroughLettuceWakesAWaiterSubscribedThroughJedis() throws Exception {
        handOff(RedisTestSupport.standalone(), RedisTestSupport.jedis());
    }

    @Test
    void releaseThroughJedisWakesAWaiterSubscribedThroughLettuce() throws Exception {
        handOff(RedisTestSupport.jedis(), RedisTestSupport.otherStandalone());
    }

    private static void handOff(RedisBackend holderBackend, RedisBackend waiterBackend) throws Exception {
        String name = "jedis-" + UUID.randomUUID();
        RedisLock holder = new RedisLock(name, holderBackend, null, NOTIFIED_ONLY);
        holder.acquire();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Long> waiter = executor.submit(() -> {
                RedisLock lock = new RedisLock(name, waiterBackend, null, NOTIFIED_ONLY);
                lock.acquire();
                try {
                    return lock.fencingToken();
                }
                finally {
                    lock.release();
                }
            });
            RedisBackendTests.awaitWaiting(waiterBackend, name, 1);
            long token = holder.fencingToken();
            holder.release();
            // Without the notification the waiter would sleep for an hour.
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isGreaterThan(token);
        }
        finally {
            executor.shutdownNow();
        }
    }
}
