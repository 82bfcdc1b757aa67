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

    @Test
    void expiriesBelowOneSecondAreUnsupportedWithTheLimitAndTheFix() {
        assertThat("'expire' PT0.5S " + MemcachedExpiry.unsupported(Duration.ofMillis(500), NOW))
                .isEqualTo("'expire' PT0.5S is shorter than the 1 s memcached can keep (it counts whole seconds);"
                        + " use at least 1s");
        assertThat(MemcachedExpiry.unsupported(Duration.ofMillis(999), NOW)).isNotNull();
        assertThat(MemcachedExpiry.unsupported(Duration.ofNanos(1), NOW)).isNotNull();
        assertThat(MemcachedExpiry.unsupported(Duration.ofSeconds(1), NOW)).isNull();
        assertThat(MemcachedExpiry.unsupported(Duration.ofMillis(1500), NOW)).isNull();
    }

    @Test
    void expiriesEndingAfter2038AreUnsupportedWithTheLongestThatFits() {
        long days = (Integer.MAX_VALUE - NOW - 1) / 86_400;
        assertThat(MemcachedExpiry.unsupported(Duration.ofDays(days + 1), NOW))
                .isEqualTo("would end after 2038-01-19T03:14:07Z, the latest time memcached can store (a signed"
                        + " 32-bit Unix time); use at most " + days + " days, or no expiry");
        assertThat(MemcachedExpiry.unsupported(Duration.ofDays(days), NOW)).isNull();
        assertThat(MemcachedExpiry.exptime(Duration.ofDays(days), NOW)).isPositive();
        assertThat(MemcachedExpiry.unsupported(Duration.ofDays(30), NOW)).isNull();
        assertThat(MemcachedExpiry.unsupported(Duration.ofDays(365L * 100), NOW)).isNotNull();
    }
}
