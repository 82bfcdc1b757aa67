package dev.sherlock.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.HeldKey;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the scripts cost the server, counted by Redis itself ({@code INFO commandstats}) on a server of its own: every
 * command inside a script is server time on the hot path, so a change that adds one shows up here.
 */
class RedisCommandCountTests {

    private static final int PAIRS = 50;

    private final LocalServer server = LocalServer.start(TestServers.REDIS);

    private final LettuceConnectionFactory factory = RedisTestSupport.factory(server);

    private final RedisBackend backend = RedisBackend.of(factory);

    private final StringRedisTemplate raw = new StringRedisTemplate(factory);

    @AfterEach
    void stop() {
        backend.close();
        factory.destroy();
        server.close();
    }

    @Test
    void anUncontendedAcquireAndReleaseRunTwoScriptsOfElevenCommands() {
        String key = "count-" + UUID.randomUUID();
        // Loads the scripts (a NOSCRIPT and an EVAL each on first use).
        pair(key, "warm-up");
        resetStats();

        for (int i = 0; i < PAIRS; i++) {
            pair(key, "owner-" + i);
        }

        // Acquire: GET of the counter (and reservation), SET NX, TIME, SET of the counter. Release: GET of the holder,
        // DEL, LPUSH and LTRIM of the released list, HGETALL of the waiting hash (nobody waits, so no new version of
        // the counter), PEXPIRE of the counter and of the list.
        assertThat(callsPerPair()).isEqualTo(Map.of("evalsha", 2L, "get", 2L, "set", 2L, "del", 1L, "hgetall", 1L,
                "time", 1L, "lpush", 1L, "ltrim", 1L, "pexpire", 2L));
    }

    @Test
    void aFailedAttemptRunsOneScriptOfSixCommands() {
        String key = "count-" + UUID.randomUUID();
        pair(key, "warm-up");
        assertThat(backend.tryAcquire(key, "holder", Duration.ofMinutes(1)).acquired()).isTrue();
        resetStats();

        for (int i = 0; i < PAIRS; i++) {
            assertThat(backend.tryAcquire(key, "waiter-" + i, Duration.ofMinutes(1)).acquired()).isFalse();
        }

        // GET of the counter, SET NX, GET of the holder (is it our own earlier attempt?), PTTL, HSET of the
        // listener mark and PEXPIRE of the waiting hash.
        assertThat(callsPerPair()).isEqualTo(Map.of("evalsha", 1L, "get", 2L, "set", 1L, "pttl", 1L, "hset", 1L,
                "pexpire", 1L));
    }

    @Test
    void aFailedAttemptOfAWaitingCallerAlsoReadsItsPlaceInLineAndTheClock() {
        String key = "count-" + UUID.randomUUID();
        pair(key, "warm-up");
        assertThat(backend.tryAcquire(key, "holder", Duration.ofMinutes(1)).acquired()).isTrue();
        resetStats();

        for (int i = 0; i < PAIRS; i++) {
            assertThat(backend.tryAcquire(key, "waiter-" + i, Duration.ofMinutes(1), Duration.ofMillis(100))
                    .acquired()).isFalse();
        }

        assertThat(callsPerPair()).isEqualTo(Map.of("evalsha", 1L, "get", 2L, "set", 1L, "pttl", 1L, "time", 1L,
                "hmget", 1L, "hset", 1L, "pexpire", 1L));
    }

    @Test
    void aBackendWhoseReleaseReservedTheLockForAnotherWaiterRefusesItsCallersWaitingAttemptsWithoutAsking() {
        String key = "count-" + UUID.randomUUID();
        // Every waiter starves at once, and the reservation outlasts any pause of this test.
        RedisBackend releaser = RedisBackend.builder().connectionFactory(factory)
                .handOff(Duration.ZERO, Duration.ofSeconds(30)).build();
        LettuceConnectionFactory otherFactory = RedisTestSupport.factory(server);
        RedisBackend other = RedisBackend.builder().connectionFactory(otherFactory)
                .handOff(Duration.ZERO, Duration.ofSeconds(30)).build();
        try {
            assertThat(releaser.tryAcquire(key, "holder", Duration.ofMinutes(1)).acquired()).isTrue();
            // A waiter for a lock that never expires: served by a reservation, not handed the lock.
            assertThat(other.tryAcquire(key, "waiter", null, Duration.ofSeconds(30)).acquired()).isFalse();
            assertThat(releaser.release(key, "holder")).isTrue();
            resetStats();

            for (int i = 0; i < PAIRS; i++) {
                AcquireResult refused = releaser.tryAcquire(key, "again-" + i, Duration.ofMinutes(1),
                        Duration.ofMillis(100));
                assertThat(refused.acquired()).isFalse();
                assertThat(refused.holderRemaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
            }

            assertThat(callsPerPair()).as("no request").isEmpty();
            assertThat(releaser.tryAcquire(key, "once", Duration.ofMinutes(1)).acquired())
                    .as("a caller that does not wait still asks the server, which refuses it too").isFalse();
            assertThat(raw.opsForHash().hasKey(releaser.waitingKey(key), "*")).as("its attempt's listener mark")
                    .isTrue();
            assertThat(other.tryAcquire(key, "waiter", null, Duration.ofSeconds(30)).acquired())
                    .as("the waiter it was reserved for").isTrue();
        }
        finally {
            releaser.close();
            other.close();
            otherFactory.destroy();
        }
    }

    @Test
    void renewingManyLocksAtOnceRunsTheRenewScriptOncePerLockEvenAfterTheScriptCacheWasFlushed() {
        pair("count-" + UUID.randomUUID(), "warm-up");
        List<HeldKey> held = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            String key = "count-" + UUID.randomUUID();
            assertThat(backend.tryAcquire(key, "holder", Duration.ofSeconds(5)).acquired()).isTrue();
            held.add(new HeldKey(key, "holder", Duration.ofMinutes(1)));
        }
        assertThat(backend.renewAll(held)).hasSize(PAIRS).containsOnly(true);
        resetStats();

        assertThat(backend.renewAll(held)).hasSize(PAIRS).containsOnly(true);

        assertThat(callsPerPair()).containsEntry("evalsha", 1L).containsEntry("get", 1L);
        raw.execute((RedisCallback<Object>) connection -> {
            connection.scriptingCommands().scriptFlush();
            return null;
        });
        resetStats();
        assertThat(backend.renewAll(held)).hasSize(PAIRS).containsOnly(true);
        for (HeldKey lock : held) {
            assertThat(raw.getExpire(lock.key())).isGreaterThan(30);
        }
        // The script is loaded once and the rest sent again together, not one EVAL after the other.
        Map<String, Long> calls = calls();
        assertThat(calls).doesNotContainKey("eval").containsEntry("script|load", 1L);
        assertThat(calls.get("evalsha")).isBetween(PAIRS + 1L, 2L * PAIRS);
    }

    private void pair(String key, String owner) {
        assertThat(backend.tryAcquire(key, owner, Duration.ofMinutes(1)).acquired()).isTrue();
        assertThat(backend.release(key, owner)).isTrue();
    }

    private void resetStats() {
        raw.execute((RedisCallback<Object>) connection -> {
            connection.serverCommands().resetConfigStats();
            return null;
        });
    }

    /** Calls of each command since the stats were reset, without the commands this test itself sends. */
    private Map<String, Long> calls() {
        Properties stats = raw.execute((RedisCallback<Properties>) connection -> connection.serverCommands()
                .info("commandstats"));
        Map<String, Long> calls = new TreeMap<>();
        for (String name : stats.stringPropertyNames()) {
            String command = name.replaceFirst("^cmdstat_", "");
            if (!command.equals("info") && !command.equals("config|resetstat") && !command.equals("config")) {
                calls.put(command, Long.parseLong(stats.getProperty(name).replaceFirst("^calls=(\\d+),.*$", "$1")));
            }
        }
        return calls;
    }

    /** Calls per iteration of each command, without the commands this test itself sends. */
    private Map<String, Long> callsPerPair() {
        Map<String, Long> perPair = new TreeMap<>();
        calls().forEach((command, count) -> {
            assertThat(count % PAIRS).as("calls of %s: %d", command, count).isZero();
            perPair.put(command, count / PAIRS);
        });
        return perPair;
    }
}
