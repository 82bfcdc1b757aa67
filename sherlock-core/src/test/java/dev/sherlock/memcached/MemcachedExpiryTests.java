package dev.sherlock.memcached;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemcachedExpiryTests {

    private static final long NOW = 1_750_000_000L;

    private static final long THIRTY_DAYS = 2_592_000L;

    @Test
    void noExpiryIsStoredAsZero() {
        assertThat(MemcachedExpiry.exptime(null, NOW)).isZero();
    }

    @Test
    void expiriesRoundUpToWholeSecondsPlusOneTick() {
        assertThat(MemcachedExpiry.exptime(Duration.ofMillis(1), NOW)).isEqualTo(2);
        assertThat(MemcachedExpiry.exptime(Duration.ofMillis(500), NOW)).isEqualTo(2);
        assertThat(MemcachedExpiry.exptime(Duration.ofSeconds(1), NOW)).isEqualTo(2);
        assertThat(MemcachedExpiry.exptime(Duration.ofMillis(1001), NOW)).isEqualTo(3);
        assertThat(MemcachedExpiry.exptime(Duration.ofSeconds(60), NOW)).isEqualTo(61);
    }

    @Test
    void expiriesUpToThirtyDaysStayRelative() {
        assertThat(MemcachedExpiry.exptime(Duration.ofSeconds(THIRTY_DAYS - 1), NOW)).isEqualTo(THIRTY_DAYS);
    }

    @Test
    void expiriesBeyondThirtyDaysBecomeAbsoluteUnixTimes() {
        assertThat(MemcachedExpiry.exptime(Duration.ofDays(30), NOW)).isEqualTo(NOW + THIRTY_DAYS + 1);
        assertThat(MemcachedExpiry.exptime(Duration.ofDays(31), NOW)).isEqualTo(NOW + 31 * 86_400 + 1);
        assertThat(MemcachedExpiry.exptime(Duration.ofSeconds(Integer.MAX_VALUE - NOW - 1), NOW))
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void expiriesEndingAfter2038AreRefusedWithTheLimit() {
        assertThatThrownBy(() -> MemcachedExpiry.exptime(Duration.ofSeconds(Integer.MAX_VALUE - NOW), NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2038-01-19T03:14:07Z").hasMessageContaining("shorter expire");
        assertThatThrownBy(() -> MemcachedExpiry.exptime(Duration.ofDays(365L * 100), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
