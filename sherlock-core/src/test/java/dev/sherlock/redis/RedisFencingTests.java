package dev.sherlock.redis;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fencing tokens against data loss: each test runs its own redis-server without persistence, so it can flush or
 * restart it.
 */
class RedisFencingTests {

    private LocalServer server = LocalServer.start(TestServers.REDIS);

    private LettuceConnectionFactory factory = RedisTestSupport.factory(server);

    private RedisBackend backend = RedisBackend.of(factory);

    private final String key = "fencing-" + UUID.randomUUID();

    @AfterEach
    void stop() {
        backend.close();
        factory.destroy();
        server.close();
    }

    @Test
    void tokensKeepIncreasingAfterFlushAll() {
        long before = acquireAndRelease();
        new StringRedisTemplate(factory).execute(connection -> {
            connection.serverCommands().flushAll();
            return null;
        }, true);
        assertThat(new StringRedisTemplate(factory).hasKey(backend.fenceKey(key))).isFalse();
        assertThat(acquireAndRelease()).isGreaterThan(before);
    }

    @Test
    void tokensKeepIncreasingAfterARestartWithoutPersistence() {
        long before = acquireAndRelease();
        int[] ports = server.ports();
        backend.close();
        factory.destroy();
        server.kill();
        server = LocalServer.startOnPorts(TestServers.REDIS, ports);
        factory = RedisTestSupport.factory(server);
        backend = RedisBackend.of(factory);
        assertThat(new StringRedisTemplate(factory).hasKey(backend.fenceKey(key))).isFalse();
        assertThat(acquireAndRelease()).isGreaterThan(before);
    }

    @Test
    void tokensComeFromTheServerClockInMicroseconds() {
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        long token = acquireAndRelease();
        // Same machine, so the clocks agree to well within a minute.
        assertThat(token).isBetween(now - 60_000_000, now + 60_000_000);
    }

    @Test
    void tokensIncreaseEvenWhenTheyOutrunTheClock() {
        StringRedisTemplate raw = new StringRedisTemplate(factory);
        long ahead = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()) + TimeUnit.DAYS.toMicros(365);
        raw.opsForValue().set(backend.fenceKey(key), Long.toString(ahead));
        long first = acquireAndRelease();
        long second = acquireAndRelease();
        assertThat(first).isEqualTo(ahead + 1);
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void aCounterThatIsNotANumberGivesWayToTheClock() {
        StringRedisTemplate raw = new StringRedisTemplate(factory);
        long now = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        // As long as the clock's digits, and above them as text: only its number may be compared.
        raw.opsForValue().set(backend.fenceKey(key), "z".repeat(Long.toString(now).length()));
        long token = acquireAndRelease();
        assertThat(token).isBetween(now - 60_000_000, now + 60_000_000);
        assertThat(raw.opsForValue().get(backend.fenceKey(key))).isEqualTo(Long.toString(token));
    }

    @Test
    void aClockAt2To53RefusesTheAcquisitionInsteadOfHandingOutATokenLuaCannotCount() {
        // The acquire script as it is, with the server clock one microsecond past 2^53.
        String script = RedisScripts.acquire.getScriptAsString()
                .replace("redis.call('TIME')", "{'9007199254', '740993'}");
        StringRedisTemplate raw = new StringRedisTemplate(factory);
        assertThatThrownBy(() -> raw.execute(new DefaultRedisScript<>(script, List.class),
                List.of(key, backend.fenceKey(key), backend.waitingKey(key), backend.releasedKey(key)),
                "owner", "30000", "86430000", "*", "50"))
                .rootCause().hasMessageContaining("has reached 2^53");
        assertThat(backend.isLocked(key)).isFalse();
        assertThat(raw.hasKey(backend.fenceKey(key))).isFalse();
    }

    @Test
    void aReservationWrittenByAnEarlierVersionBeforeItsReleasersIsHonoured() {
        StringRedisTemplate raw = new StringRedisTemplate(factory);
        long until = System.currentTimeMillis() + 60_000;
        raw.opsForValue().set(backend.fenceKey(key), "5 !starving:" + until + " released-1 released-2");
        AcquireResult refused = backend.tryAcquire(key, "other", Duration.ofSeconds(30));
        assertThat(refused.acquired()).isFalse();
        // Refused for at most one reservation, however far its end lies.
        assertThat(refused.holderRemaining()).isPositive().isLessThanOrEqualTo(RedisBackend.RESERVATION);
        assertThat(refused.observedVersion()).isEqualTo(5);
        assertThat(backend.tryAcquire(key, "starving", Duration.ofSeconds(30)).acquired()).isTrue();
    }

    @Test
    void aCounterAt2To53RefusesTheAcquisitionInsteadOfRepeatingATokenAndLeavesNoLock() {
        StringRedisTemplate raw = new StringRedisTemplate(factory);
        raw.opsForValue().set(backend.fenceKey(key), "9007199254740990");
        // The last token below 2^53; an uncontended release leaves the counter there.
        assertThat(acquireAndRelease()).isEqualTo(9007199254740991L);
        assertThatThrownBy(() -> backend.tryAcquire(key, "owner-after", Duration.ofSeconds(30)))
                .rootCause().hasMessageContaining("has reached 2^53");
        assertThat(backend.isLocked(key)).isFalse();
    }

    @Test
    void counterOutlivesAnExpiringLockByTheRetention() {
        backend.close();
        backend = RedisBackend.builder().connectionFactory(factory).fencingRetention(Duration.ofMinutes(10)).build();
        StringRedisTemplate raw = new StringRedisTemplate(factory);
        backend.tryAcquire(key, "owner", Duration.ofMinutes(1));
        assertThat(raw.getExpire(backend.fenceKey(key), TimeUnit.MILLISECONDS)).isGreaterThan(60_000)
                .isLessThanOrEqualTo(Duration.ofMinutes(11).toMillis());
        backend.release(key, "owner");
        assertThat(raw.getExpire(backend.fenceKey(key), TimeUnit.MILLISECONDS)).isPositive()
                .isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
        assertThat(raw.opsForList().range(backend.releasedKey(key), 0, -1)).containsExactly("owner");
        assertThat(raw.getExpire(backend.releasedKey(key), TimeUnit.MILLISECONDS)).isPositive()
                .isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
    }

    @Test
    void counterIsKeptForeverWithoutRetention() {
        backend.close();
        backend = RedisBackend.builder().connectionFactory(factory).fencingRetention(null).build();
        acquireAndRelease();
        assertThat(new StringRedisTemplate(factory).getExpire(backend.fenceKey(key), TimeUnit.MILLISECONDS))
                .isEqualTo(-1);
        assertThat(new StringRedisTemplate(factory).getExpire(backend.releasedKey(key), TimeUnit.MILLISECONDS))
                .isEqualTo(-1);
    }

    private long acquireAndRelease() {
        AcquireResult result = backend.tryAcquire(key, "owner", Duration.ofMinutes(1));
        assertThat(result.acquired()).isTrue();
        assertThat(backend.release(key, "owner")).isTrue();
        return result.fencingToken();
    }
}
