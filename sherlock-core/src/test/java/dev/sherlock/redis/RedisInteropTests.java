package dev.sherlock.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keys as py-sherlock 0.4.1 reads and writes them, checked with plain commands. The "Python service" here issues
 * the commands py-sherlock's RedisLock does: SETNX plus EXPIRE in seconds to acquire, GET-compare-DEL to release,
 * GET to check.
 */
class RedisInteropTests {

    private final RedisBackend backend = RedisTestSupport.standalone();

    private final StringRedisTemplate raw = RedisTestSupport.raw();

    private static String uniqueName() {
        return "interop-" + UUID.randomUUID();
    }

    @Test
    void lockKeyIsNamespaceUnderscoreNameHoldingTheOwnerTokenWithTheExpiryAsTtl() {
        String name = uniqueName();
        RedisLock lock = new RedisLock(name, backend, "billing",
                LockSettings.defaults().withExpire(Duration.ofSeconds(30)));
        lock.acquire();
        String value = raw.opsForValue().get("billing_" + name);
        assertThat(value).isNotBlank();
        assertThat(raw.getExpire("billing_" + name, TimeUnit.MILLISECONDS)).isPositive().isLessThanOrEqualTo(30_000);
        lock.release();
        assertThat(raw.hasKey("billing_" + name)).isFalse();

        assertThat(backend.tryAcquire(backend.key(null, name), "owner-token", Duration.ofSeconds(30)).acquired())
                .isTrue();
        assertThat(raw.opsForValue().get(name)).isEqualTo("owner-token");
        assertThat(backend.release(name, "owner-token")).isTrue();
    }

    @Test
    void neverExpiringLockHasNoTtlUntilReleased() {
        String name = uniqueName();
        RedisLock lock = new RedisLock(name, backend, null, LockSettings.defaults().withoutExpiry());
        lock.acquire();
        assertThat(pttl(name)).isEqualTo(-1);
        assertThat(pttl(backend.fenceKey(name))).isEqualTo(-1);
        assertThat(lock.renew()).isTrue();
        assertThat(pttl(name)).isEqualTo(-1);
        lock.release();
        assertThat(raw.hasKey(name)).isFalse();
        // The counter outlives the lock by the retention, then goes.
        assertThat(pttl(backend.fenceKey(name))).isPositive()
                .isLessThanOrEqualTo(RedisBackend.DEFAULT_FENCING_RETENTION.toMillis());
    }

    @Test
    void renewingWithoutExpiryMakesAnExpiringLockPersistent() {
        String key = uniqueName();
        backend.tryAcquire(key, "owner", Duration.ofSeconds(30));
        assertThat(pttl(key)).isPositive();
        assertThat(backend.renew(key, "owner", null)).isTrue();
        assertThat(pttl(key)).isEqualTo(-1);
        backend.release(key, "owner");
    }

    @Test
    void pythonHolderExcludesJavaUntilItReleases() {
        String name = uniqueName();
        String pythonOwner = UUID.randomUUID().toString();
        assertThat(raw.opsForValue().setIfAbsent("billing_" + name, pythonOwner)).isTrue();
        raw.expire("billing_" + name, Duration.ofSeconds(60));

        RedisLock lock = new RedisLock(name, backend, "billing", LockSettings.defaults());
        assertThat(lock.acquire(false)).isFalse();
        assertThat(lock.locked()).isTrue();

        assertThat(pythonRelease("billing_" + name, pythonOwner)).isEqualTo(1L);
        assertThat(lock.acquire(false)).isTrue();
        lock.release();
    }

    @Test
    void javaHolderExcludesPythonAndPythonCannotReleaseIt() {
        String name = uniqueName();
        RedisLock lock = new RedisLock(name, backend, "billing", LockSettings.defaults());
        lock.acquire();
        assertThat(raw.opsForValue().setIfAbsent("billing_" + name, UUID.randomUUID().toString())).isFalse();
        assertThat(raw.opsForValue().get("billing_" + name)).isNotNull();
        assertThat(pythonRelease("billing_" + name, UUID.randomUUID().toString())).isZero();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.release();
        assertThat(raw.opsForValue().get("billing_" + name)).isNull();
    }

    /** py-sherlock's release: delete only if the value is still the caller's owner; 1 if deleted. */
    private Long pythonRelease(String key, String owner) {
        return raw.execute(RedisScript.of("""
                if redis.call('GET', KEYS[1]) == ARGV[1] then
                    return redis.call('DEL', KEYS[1])
                end
                return 0
                """, Long.class), List.of(key), owner);
    }

    private long pttl(String key) {
        return raw.getExpire(key, TimeUnit.MILLISECONDS);
    }
}
