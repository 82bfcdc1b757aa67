package dev.sherlock;

import java.nio.file.Path;
import java.time.Duration;

import dev.sherlock.file.FileBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SherlockTests {

    @TempDir
    Path directory;

    @AfterEach
    void resetGlobalConfiguration() {
        Sherlock.configure(config -> config.backend(FileBackend.of(directory)).namespace(null)
                .expire(Duration.ofSeconds(60)).timeout(Duration.ofSeconds(10)).retryInterval(Duration.ofMillis(100)));
    }

    @Test
    void configuredLocksUseTheGivenBackendNamespaceAndSettings() {
        Sherlock.configure(config -> config.backend(FileBackend.of(directory)).namespace("billing")
                .timeout(Duration.ofMillis(100)));
        Lock first = Sherlock.lock("orders");
        Lock second = Sherlock.lock("orders");
        first.acquire();
        assertThat(directory.resolve("billing.orders.sherlock")).exists();
        assertThatThrownBy(second::acquire).isInstanceOf(LockTimeoutException.class)
                .hasMessage("Lock 'orders' (backend file, namespace 'billing'): not acquired within PT0.1S;"
                        + " someone else holds it");
        first.release();
    }

    @Test
    void neverExpireConfiguresLocksWithoutExpiry() {
        Sherlock.configure(config -> config.backend(FileBackend.of(directory)).neverExpire());
        try (Lock lock = Sherlock.registry().acquire("forever")) {
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            assertThat(Sherlock.registry().settings().expire()).isNull();
        }
    }

    @Test
    void tryWithResourcesAndExecuteLockedAlwaysRelease() throws Exception {
        Sherlock.configure(config -> config.backend(FileBackend.of(directory)));
        LockRegistry registry = Sherlock.registry();
        try (Lock lock = registry.acquire("orders")) {
            assertThat(lock.locked()).isTrue();
        }
        assertThat(registry.getLock("orders").locked()).isFalse();
        assertThat(registry.executeLocked("orders", () -> 42)).isEqualTo(42);
        IllegalStateException failure = new IllegalStateException("boom");
        assertThatThrownBy(() -> registry.executeLocked("orders", (Runnable) () -> {
            throw failure;
        })).isSameAs(failure);
        assertThat(registry.getLock("orders").locked()).isFalse();
    }

    @Test
    void javaUtilConcurrentMethodsFollowTheirContracts() throws Exception {
        Sherlock.configure(config -> config.backend(FileBackend.of(directory)));
        Lock lock = Sherlock.lock("juc");
        lock.lock();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
        lock.unlock();
        assertThat(lock.tryLock(10, java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
        lock.unlock();
        assertThatThrownBy(lock::newCondition).isInstanceOf(UnsupportedOperationException.class);
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> lock.tryLock(1, java.util.concurrent.TimeUnit.SECONDS))
                .isInstanceOf(InterruptedException.class);
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void clientPicksTheBackendAsInPySherlock() {
        Sherlock.configure(config -> config.client(directory));
        try (Lock lock = Sherlock.registry().acquire("by-client")) {
            assertThat(directory.resolve("by-client.sherlock")).exists();
        }
        LocalServer redis = TestServers.redis();
        LettuceConnectionFactory factory = new LettuceConnectionFactory(redis.host(), redis.port());
        factory.afterPropertiesSet();
        try {
            Sherlock.configure(config -> config.client(factory).namespace("py"));
            try (Lock lock = Sherlock.registry().acquire("by-client")) {
                assertThat(new StringRedisTemplate(factory).hasKey("py_by-client")).isTrue();
            }
        }
        finally {
            Sherlock.configure(config -> config.client(directory));
            factory.destroy();
        }
    }

    @Test
    void unknownClientFailsListingTheKnownOnes() {
        assertThatThrownBy(() -> Sherlock.configure(config -> config.client("localhost:6379")))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("'client' of type java.lang.String is no client Sherlock knows. Pass a"
                        + " java.nio.file.Path (file backend), a RedisConnectionFactory (redis)");
    }
}
