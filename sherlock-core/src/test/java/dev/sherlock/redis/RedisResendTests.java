package dev.sherlock.redis;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.FaultProxy;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Requests that reach Redis twice: Lettuce resends the commands that were in flight when its connection dropped
 * (at-least-once), and the core retries an attempt whose answer it never got with the same owner token. A second
 * run of an acquire or release must report what the first one did.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisResendTests {

    private static final Duration HOUR = Duration.ofHours(1);

    /** Only a release notification or the timeout can end a wait: a holder's own lock would never be released. */
    private static final LockSettings SETTINGS = LockSettings.defaults().withExpire(HOUR)
            .withTimeout(Duration.ofSeconds(3)).withRetryInterval(HOUR);

    private final FaultProxy proxy = FaultProxy.to(TestServers.redis().host(), TestServers.redis().port());

    private final LettuceConnectionFactory factory = RedisTestSupport.factory("127.0.0.1", proxy.port());

    private final RedisBackend backend = RedisBackend.of(factory);

    private final RedisBackend other = RedisTestSupport.otherStandalone();

    private final StringRedisTemplate raw = RedisTestSupport.raw();

    private final String name = "resend-" + UUID.randomUUID();

    @AfterEach
    void close() {
        backend.close();
        factory.destroy();
        proxy.close();
    }

    /** Loads the scripts on the server, so the request the proxy hits is the script run itself, not a NOSCRIPT. */
    private void loadScripts() {
        String warmUp = "resend-warm-up-" + UUID.randomUUID();
        assertThat(backend.tryAcquire(warmUp, "owner", HOUR).acquired()).isTrue();
        assertThat(backend.release(warmUp, "owner")).isTrue();
    }

    private long counter(String key) {
        String value = raw.opsForValue().get(backend.fenceKey(key));
        assertThat(value).isNotNull();
        return Long.parseLong(value.split(" ")[0]);
    }

    @Test
    void anAcquireLettuceResendsAfterItsReplyWasLostAcquiresOnceWithoutWaitingForItself() throws Exception {
        loadScripts();
        RedisLock lock = new RedisLock(name, backend, null, SETTINGS);
        proxy.dropReplyAndClose(request -> request.contains("EVALSHA") && request.contains(name));

        assertThat(lock.tryAcquire(SETTINGS.timeout())).isTrue();

        assertThat(proxy.drops()).isEqualTo(1);
        // Acquired once: the token is the one the first run drew, and the counter was not bumped again.
        assertThat(counter(name)).isEqualTo(lock.fencingToken());
        assertThat(raw.getExpire(name, TimeUnit.MILLISECONDS)).isGreaterThan(Duration.ofMinutes(59).toMillis());
        lock.release();
        assertThat(raw.hasKey(name)).isFalse();
    }

    @Test
    void aReleaseLettuceResendsAfterItsReplyWasLostIsNotReportedAsALoss() {
        loadScripts();
        RedisLock lock = new RedisLock(name, backend, null, SETTINGS);
        lock.acquire();
        proxy.dropReplyAndClose(request -> request.contains("EVALSHA") && request.contains(name));

        assertThatCode(lock::release).doesNotThrowAnyException();

        assertThat(proxy.drops()).isEqualTo(1);
        assertThat(raw.hasKey(name)).isFalse();
        assertThat(other.tryAcquire(name, "next", HOUR).acquired()).isTrue();
        assertThat(other.release(name, "next")).isTrue();
    }

    @Test
    void anAcquireRetriedWithItsOwnerAfterTheConnectionWasResetIsAcquiredWithTheTokenTheFirstRunDrew() {
        loadScripts();
        proxy.dropReplyAndReset(request -> request.contains("EVALSHA") && request.contains(name));
        assertThatThrownBy(() -> backend.tryAcquire(name, "owner", HOUR)).hasRootCauseInstanceOf(IOException.class);
        assertThat(proxy.drops()).isEqualTo(1);
        long drawn = counter(name);

        // What the core does after a failed attempt: the same owner token again.
        AcquireResult retried = backend.tryAcquire(name, "owner", HOUR);

        assertThat(retried.acquired()).isTrue();
        assertThat(retried.fencingToken()).isEqualTo(drawn);
        assertThat(backend.release(name, "owner")).isTrue();
        assertThat(raw.hasKey(name)).isFalse();
    }

    @Test
    void aReleaseRetriedWithItsOwnerAfterTheConnectionWasResetAnswersReleased() {
        loadScripts();
        assertThat(backend.tryAcquire(name, "owner", HOUR).acquired()).isTrue();
        proxy.dropReplyAndReset(request -> request.contains("EVALSHA") && request.contains(name));
        assertThatThrownBy(() -> backend.release(name, "owner")).hasRootCauseInstanceOf(IOException.class);
        assertThat(raw.hasKey(name)).isFalse();

        assertThat(backend.release(name, "owner")).isTrue();
    }

    @Test
    void anAcquireRepeatedWithTheSameOwnerGetsTheSameTokenAndRestartsTheExpiry() {
        AcquireResult first = backend.tryAcquire(name, "owner", Duration.ofSeconds(30));
        AcquireResult again = other.tryAcquire(name, "owner", HOUR);

        assertThat(first.acquired()).isTrue();
        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(counter(name)).isEqualTo(first.fencingToken());
        // The holder counts its deadline from the repeated request: the key must live at least that long.
        assertThat(raw.getExpire(name, TimeUnit.MILLISECONDS)).isGreaterThan(Duration.ofMinutes(59).toMillis());
        assertThat(other.tryAcquire(name, "someone-else", HOUR).acquired()).isFalse();
        assertThat(backend.release(name, "owner")).isTrue();
        assertThat(raw.hasKey(name)).isFalse();
    }

    @Test
    void aRepeatedAcquireOfANeverExpiringLockKeepsItWithoutTtl() {
        AcquireResult first = backend.tryAcquire(name, "owner", null);
        AcquireResult again = backend.tryAcquire(name, "owner", null);

        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(raw.getExpire(name, TimeUnit.MILLISECONDS)).isEqualTo(-1);
        assertThat(backend.release(name, "owner")).isTrue();
    }

    @Test
    void aRepeatedAcquireWhoseCounterWasLostDrawsANewLargerToken() {
        AcquireResult first = backend.tryAcquire(name, "owner", HOUR);
        raw.delete(backend.fenceKey(name));

        AcquireResult again = backend.tryAcquire(name, "owner", HOUR);

        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(counter(name)).isEqualTo(again.fencingToken());
        assertThat(backend.release(name, "owner")).isTrue();
    }

    @Test
    void aReleaseRepeatedAfterOthersUsedTheLockStillAnswersReleased() {
        assertThat(backend.tryAcquire(name, "first", HOUR).acquired()).isTrue();
        assertThat(backend.release(name, "first")).isTrue();
        for (int i = 0; i < 6; i++) {
            assertThat(other.tryAcquire(name, "other-" + i, HOUR).acquired()).isTrue();
            assertThat(other.release(name, "other-" + i)).isTrue();
        }
        assertThat(other.tryAcquire(name, "holder", HOUR).acquired()).isTrue();

        assertThat(backend.release(name, "first")).isTrue();

        assertThat(raw.opsForValue().get(name)).isEqualTo("holder");
        assertThat(other.release(name, "holder")).isTrue();
    }

    @Test
    void aReleaseOfAnOwnerWhoseLockExpiredAnswersLostEvenAfterOtherReleases() {
        assertThat(backend.tryAcquire(name, "expired", Duration.ofMillis(100)).acquired()).isTrue();
        raw.delete(name);
        assertThat(other.tryAcquire(name, "next", HOUR).acquired()).isTrue();
        assertThat(other.release(name, "next")).isTrue();

        assertThat(backend.release(name, "expired")).isFalse();
        assertThat(backend.renew(name, "expired", HOUR)).isFalse();
    }

    @Test
    void aReleaseIsForgottenAfterEightLaterReleases() {
        assertThat(backend.tryAcquire(name, "first", HOUR).acquired()).isTrue();
        assertThat(backend.release(name, "first")).isTrue();
        for (int i = 0; i < 8; i++) {
            assertThat(other.tryAcquire(name, "other-" + i, HOUR).acquired()).isTrue();
            assertThat(other.release(name, "other-" + i)).isTrue();
        }

        assertThat(backend.release(name, "first")).isFalse();
        assertThat(raw.opsForList().range(backend.releasedKey(name), 0, -1))
                .containsExactly("other-7", "other-6", "other-5", "other-4", "other-3", "other-2", "other-1",
                        "other-0");
        assertThat(raw.opsForValue().get(backend.fenceKey(name))).containsOnlyDigits();
    }

    @Test
    void tokensKeepIncreasingOverTheRememberedReleases() {
        long previous = 0;
        for (int i = 0; i < 12; i++) {
            AcquireResult result = backend.tryAcquire(name, "owner-" + i, HOUR);
            assertThat(result.fencingToken()).isGreaterThan(previous);
            previous = result.fencingToken();
            assertThat(backend.release(name, "owner-" + i)).isTrue();
        }
    }
}
