package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.LockBackendException;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import dev.sherlock.testserver.LocalServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Ownership and hand-off on a standalone redis-server, checked on the keys themselves. Waiters here wait with an
 * hour-long retry interval and holder expiry, so only a release notification can wake them in time.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisBackendTests {

    private static final Duration HOUR = Duration.ofHours(1);

    private static final LockSettings NOTIFIED_ONLY = LockSettings.defaults().withExpire(HOUR).withTimeout(HOUR)
            .withRetryInterval(HOUR);

    private final ExecutorService executor = Executors.newCachedThreadPool();

    private final RedisBackend backend = RedisTestSupport.standalone();

    private final RedisBackend other = RedisTestSupport.otherStandalone();

    private final StringRedisTemplate raw = RedisTestSupport.raw();

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String uniqueKey() {
        return "redis-test-" + UUID.randomUUID();
    }

    @Test
    void staleReleaseAfterTakeoverLeavesNewHoldersKeyIntact() {
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "stale-owner", Duration.ofMillis(200)).acquired()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !Boolean.TRUE.equals(raw.hasKey(key)));
        assertThat(other.tryAcquire(key, "new-owner", Duration.ofMinutes(1)).acquired()).isTrue();

        assertThat(backend.release(key, "stale-owner")).isFalse();
        assertThat(backend.renew(key, "stale-owner", HOUR)).isFalse();

        assertThat(raw.opsForValue().get(key)).isEqualTo("new-owner");
        assertThat(raw.getExpire(key, TimeUnit.MILLISECONDS)).isPositive().isLessThanOrEqualTo(60_000);
        assertThat(other.release(key, "new-owner")).isTrue();
        assertThat(raw.hasKey(key)).isFalse();
    }

    @Test
    void failedAttemptReportsTheHoldersRemainingLifetime() {
        String expiring = uniqueKey();
        backend.tryAcquire(expiring, "holder", Duration.ofMinutes(1));
        AcquireResult held = other.tryAcquire(expiring, "waiter", Duration.ofMinutes(1));
        assertThat(held.acquired()).isFalse();
        assertThat(held.holderRemaining()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(held.observedVersion()).isPositive();

        String never = uniqueKey();
        backend.tryAcquire(never, "holder", null);
        assertThat(other.tryAcquire(never, "waiter", null).holderRemaining()).isNull();
        backend.release(expiring, "holder");
        backend.release(never, "holder");
    }

    @Test
    void releaseNotificationWakesAWaiterInAnotherBackend() throws Exception {
        String name = uniqueKey();
        RedisLock holder = new RedisLock(name, backend, null, NOTIFIED_ONLY);
        holder.acquire();
        Future<Long> waiter = executor.submit(() -> {
            RedisLock lock = new RedisLock(name, other, null, NOTIFIED_ONLY);
            lock.acquire();
            try {
                return lock.fencingToken();
            }
            finally {
                lock.release();
            }
        });
        awaitWaiting(other, name, 1);
        long holderToken = holder.fencingToken();
        holder.release();
        // Without the notification the waiter would sleep for an hour.
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isGreaterThan(holderToken);
    }

    @Test
    void exactlyOneOfTwoNotifiedWaitersWinsAfterARelease() throws Exception {
        String name = uniqueKey();
        RedisLock holder = new RedisLock(name, backend, null, NOTIFIED_ONLY);
        holder.acquire();
        AtomicInteger holding = new AtomicInteger();
        CountDownLatch finish = new CountDownLatch(1);
        List<Future<?>> waiters = new ArrayList<>();
        for (RedisBackend client : List.of(backend, other)) {
            waiters.add(executor.submit(() -> {
                RedisLock lock = new RedisLock(name, client, null, NOTIFIED_ONLY);
                lock.acquire();
                holding.incrementAndGet();
                finish.await();
                holding.decrementAndGet();
                lock.release();
                return null;
            }));
        }
        awaitWaiting(backend, name, 1);
        awaitWaiting(other, name, 1);
        holder.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> holding.get() == 1);
        assertThat(waiters.stream().filter(Future::isDone)).isEmpty();
        // The winner's release wakes the loser, again only through the notification.
        finish.countDown();
        for (Future<?> waiter : waiters) {
            waiter.get(10, TimeUnit.SECONDS);
        }
        assertThat(holding).hasValue(0);
    }

    @Test
    void releaseBetweenTheFailedAttemptAndTheWaitIsNotMissed() throws Exception {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", HOUR);
        AcquireResult failed = other.tryAcquire(key, "waiter", HOUR);
        assertThat(failed.acquired()).isFalse();
        backend.release(key, "holder");
        ReleaseNotifications notifications = other.notifications();
        await().atMost(Duration.ofSeconds(10)).until(() -> notifications.recentRelease(key) > failed.observedVersion());

        Future<?> wait = executor.submit(() -> {
            other.awaitRelease(key, failed.observedVersion(), HOUR);
            return null;
        });
        wait.get(10, TimeUnit.SECONDS);
        assertThat(other.tryAcquire(key, "waiter", HOUR).acquired()).isTrue();
        other.release(key, "waiter");
    }

    @Test
    void olderReleaseDoesNotEndAWait() throws Exception {
        String key = uniqueKey();
        backend.tryAcquire(key, "first", HOUR);
        assertThat(other.tryAcquire(key, "waiter", HOUR).acquired()).isFalse();
        backend.release(key, "first");
        await().atMost(Duration.ofSeconds(10)).until(() -> other.notifications().recentRelease(key) > 0);
        backend.tryAcquire(key, "second", HOUR);
        AcquireResult failed = other.tryAcquire(key, "waiter", HOUR);
        assertThat(failed.observedVersion()).isGreaterThan(other.notifications().recentRelease(key));

        Duration maxWait = Duration.ofMillis(300);
        long start = System.nanoTime();
        other.awaitRelease(key, failed.observedVersion(), maxWait);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(maxWait.toNanos());
        backend.release(key, "second");
    }

    @Test
    void handOffWorksWithNotificationsSwitchedOff() throws Exception {
        RedisBackend polling = RedisTestSupport.polling();
        assertThat(polling.notifications()).isNull();
        String name = uniqueKey();
        LockSettings settings = LockSettings.defaults().withRetryInterval(Duration.ofMillis(50));
        RedisLock holder = new RedisLock(name, polling, null, settings);
        holder.acquire();
        Future<Boolean> waiter = executor.submit(() -> {
            RedisLock lock = new RedisLock(name, polling, null, settings);
            boolean acquired = lock.tryAcquire(Duration.ofSeconds(30));
            lock.release();
            return acquired;
        });
        holder.release();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void onlyAnAwaitedReleasePublishesAndItClearsTheMark() {
        String quiet = "a-" + uniqueKey();
        String awaited = "b-" + uniqueKey();
        backend.tryAcquire(quiet, "owner", HOUR);
        backend.release(quiet, "owner");

        backend.tryAcquire(awaited, "owner", Duration.ofMinutes(1));
        assertThat(raw.hasKey(backend.waitingKey(awaited))).isFalse();
        assertThat(other.tryAcquire(awaited, "waiter", HOUR).acquired()).isFalse();
        assertThat(raw.getExpire(backend.waitingKey(awaited), TimeUnit.MILLISECONDS)).isGreaterThan(60_000)
                .isLessThanOrEqualTo(120_000);
        backend.release(awaited, "owner");
        assertThat(raw.hasKey(backend.waitingKey(awaited))).isFalse();
        // Redis delivers in execution order: had the first release been published, it would have arrived first.
        await().atMost(Duration.ofSeconds(10)).until(() -> other.notifications().recentRelease(awaited) > 0);
        assertThat(other.notifications().recentRelease(quiet)).isZero();
    }

    @Test
    void switchedOffBackendNeitherSubscribesNorPublishes() {
        String channel = "sherlock:test-" + UUID.randomUUID();
        try (RedisBackend on = RedisBackend.builder().connectionFactory(RedisTestSupport.factory()).channel(channel).build();
                RedisBackend off = RedisBackend.builder().connectionFactory(RedisTestSupport.factory()).notifications(false)
                        .channel(channel).build()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(channel) == 1);
            String silent = "a-" + uniqueKey();
            String published = "b-" + uniqueKey();
            off.tryAcquire(silent, "owner", HOUR);
            assertThat(on.tryAcquire(silent, "waiter", HOUR).acquired()).isFalse();
            off.release(silent, "owner");
            on.tryAcquire(published, "owner", HOUR);
            assertThat(on.tryAcquire(published, "waiter", HOUR).acquired()).isFalse();
            on.release(published, "owner");
            await().atMost(Duration.ofSeconds(10)).until(() -> on.notifications().recentRelease(published) > 0);
            assertThat(on.notifications().recentRelease(silent)).isZero();
            assertThat(subscribers(channel)).isEqualTo(1);
        }
    }

    @Test
    void unreachableServerFailsFastNamingTheLockAndTheBackend() {
        LettuceConnectionFactory nowhere = new LettuceConnectionFactory(
                new RedisStandaloneConfiguration("127.0.0.1", LocalServer.freePorts(1)[0]));
        nowhere.afterPropertiesSet();
        nowhere.start();
        try (RedisBackend unreachable = RedisBackend.of(nowhere)) {
            RedisLock lock = new RedisLock("orders", unreachable, "billing", LockSettings.defaults());
            assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                    .hasMessageStartingWith("Lock 'orders' (backend redis, namespace 'billing'): acquire failed")
                    .hasCauseInstanceOf(StoreException.class)
                    .satisfies(ex -> assertThat(ex.getCause().getCause())
                            .isInstanceOf(RedisConnectionFailureException.class));
            assertThat(lock.isHeldByCurrentThread()).isFalse();
        }
        finally {
            nowhere.destroy();
        }
    }

    @Test
    void aLockNamedLikeAnotherLocksFencingCounterIsRefusedNamingTheLockAndTheBackend() {
        String name = uniqueKey();
        RedisLock orders = new RedisLock(name, backend, null, LockSettings.defaults());
        String counter = backend.fenceKey(name);

        assertThatThrownBy(() -> new RedisLock(counter, backend, null, LockSettings.defaults()))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Lock '" + counter + "' (backend redis): its Redis key '" + counter
                        + "' starts with 'sherlock:{'");
        orders.acquire();
        long token = orders.fencingToken();
        orders.release();
        assertThat(raw.opsForValue().get(counter)).isEqualTo(Long.toString(token));
    }

    @Test
    void everyExpiryFromAMillisecondToTheCoresHundredYearsIsSupported() {
        Duration century = Duration.ofDays(365L * 100);
        assertThat(backend.unsupportedExpire(Duration.ofMillis(1))).isNull();
        assertThat(backend.unsupportedExpire(century)).isNull();
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "owner", century).acquired()).isTrue();
        assertThat(raw.getExpire(key, TimeUnit.DAYS)).isGreaterThan(365L * 99);
        assertThat(backend.release(key, "owner")).isTrue();
    }

    @Test
    void builderRejectsAnEmptyChannelAndANonPositiveRetention() {
        RedisBackend.Builder builder = RedisBackend.builder().connectionFactory(RedisTestSupport.factory());
        assertThatThrownBy(() -> builder.channel("")).isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend redis: 'channel' must not be empty");
        assertThatThrownBy(() -> builder.fencingRetention(Duration.ZERO))
                .isInstanceOf(LockConfigurationException.class).hasMessageContaining("'fencingRetention' must be");
    }

    /** Until the threads have failed to acquire and wait for a release notification. */
    static void awaitWaiting(RedisBackend client, String key, int threads) {
        await().atMost(Duration.ofSeconds(10)).until(() -> client.notifications().waiters(key) == threads);
    }

    private long subscribers(String channel) {
        return raw.execute((RedisCallback<Long>) connection -> RedisTestSupport.lettuce(connection)
                .pubsubNumsub(channel.getBytes(StandardCharsets.UTF_8)).values().iterator().next(), true);
    }
}
