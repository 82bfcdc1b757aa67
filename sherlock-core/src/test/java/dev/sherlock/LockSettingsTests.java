package dev.sherlock;

import java.time.Duration;

import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LockSettingsTests {

    @Test
    void defaultsAreThoseOfPySherlock() {
        LockSettings defaults = LockSettings.defaults();
        assertThat(defaults.expire()).isEqualTo(Duration.ofSeconds(60));
        assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.retryInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(defaults.autoRenew()).isTrue();
    }

    @Test
    void negativeExpireFailsNamingTheField() {
        assertThatThrownBy(() -> LockSettings.defaults().withExpire(Duration.ofSeconds(-1)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("'expire' must be positive but was PT-1S");
    }

    @Test
    void zeroRetryIntervalFails() {
        assertThatThrownBy(() -> LockSettings.defaults().withRetryInterval(Duration.ZERO))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("'retryInterval' must be positive but was PT0S");
    }

    @Test
    void zeroTimeoutMeansOneAttempt() {
        assertThat(LockSettings.defaults().withTimeout(Duration.ZERO).timeout()).isZero();
    }

    @Test
    void overflowingDurationFailsInsteadOfWrapping() {
        assertThatThrownBy(() -> LockSettings.defaults().withTimeout(Duration.ofSeconds(Long.MAX_VALUE)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("'timeout' must be at most 36500 days");
    }

    @Test
    void expireTooShortToRenewIsRefused() {
        assertThatThrownBy(() -> LockSettings.defaults().withExpire(Duration.ofNanos(1)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("'expire' must be at least 100 ms (a holder renews it at a third of it) but was PT0.000000001S");
    }

    @Test
    void expireTheBackendCannotHonourIsRefusedWhenALockOrRegistryIsCreated() {
        LockBackend wholeSeconds = new ForwardingBackend(new InMemoryBackend()) {
            @Override
            public String unsupportedExpire(Duration expire) {
                return expire.compareTo(Duration.ofSeconds(1)) < 0
                        ? "is shorter than the 1 s this store can keep; use at least 1s" : null;
            }
        };
        LockSettings halfSecond = LockSettings.defaults().withExpire(Duration.ofMillis(500));
        assertThatThrownBy(() -> new BackendLock("orders", wholeSeconds, "billing", halfSecond))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Lock 'orders' (backend memory, namespace 'billing'): 'expire' PT0.5S is shorter than the"
                        + " 1 s this store can keep; use at least 1s");
        assertThatThrownBy(() -> LockRegistry.of(wholeSeconds, null, halfSecond))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("LockRegistry (backend memory): 'expire' PT0.5S is shorter than the 1 s this store can"
                        + " keep; use at least 1s");
        LockRegistry registry = LockRegistry.of(wholeSeconds);
        assertThatThrownBy(() -> registry.getLock("orders", halfSecond))
                .isInstanceOf(LockConfigurationException.class).hasMessageStartingWith("Lock 'orders' (backend memory)");
        assertThat(registry.getLock("orders", halfSecond.withoutExpiry()).name()).isEqualTo("orders");
    }

    @Test
    void nullExpireMeansNeverExpires() {
        assertThat(LockSettings.defaults().withoutExpiry().expire()).isNull();
    }
}
