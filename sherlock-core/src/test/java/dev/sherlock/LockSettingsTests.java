package dev.sherlock;

import java.time.Duration;

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
    void nullExpireMeansNeverExpires() {
        assertThat(LockSettings.defaults().withoutExpiry().expire()).isNull();
    }
}
