package dev.sherlock.memcached;

import java.time.Duration;
import java.time.Instant;

import dev.sherlock.spi.Durations;

import org.jspecify.annotations.Nullable;

/**
 * Converts a lock's expiry to memcached's {@code exptime}.
 *
 * <p>memcached counts whole seconds on a clock that ticks once a second, and an item stored with {@code exptime}
 * {@code n} expires at the {@code n}-th tick, which may come up to one second before {@code n} seconds have passed.
 * So the expiry is rounded up to whole seconds and one second is added: the item then lives at least as long as
 * the expiry (the holder's deadline is never later than the server's), and at most about two seconds longer.
 *
 * <p>memcached reads an {@code exptime} above 30 days (2,592,000 s) as an absolute Unix time, so longer expiries
 * are sent as {@code now + seconds}, taken from this machine's wall clock; their accuracy then depends on the
 * server's clock agreeing with it. The binary protocol carries a signed 32-bit value, so the latest expiry that can
 * be stored is {@value #LATEST_EPOCH_SECOND} (2038-01-19T03:14:07Z). {@code 0} means "never expires". Expiries
 * below one second or ending after that are refused when a lock is configured ({@link #unsupported}).
 */
final class MemcachedExpiry {

    /** The longest relative exptime; memcached reads larger values as Unix times. */
    static final long MAX_RELATIVE_SECONDS = 60L * 60 * 24 * 30;

    /** The shortest expiry memcached can count. */
    static final Duration MIN = Duration.ofSeconds(1);

    /** The latest absolute exptime the binary protocol can carry. */
    static final long LATEST_EPOCH_SECOND = Integer.MAX_VALUE;

    private MemcachedExpiry() {
    }

    /**
     * The {@code exptime} for an expiry.
     * @param expire the expiry, or {@code null} for never
     * @param nowEpochSecond the current Unix time in seconds, used for expiries beyond 30 days
     * @return the exptime to send
     * @throws IllegalArgumentException if the expiry ends after {@link #LATEST_EPOCH_SECOND}
     */
    static int exptime(@Nullable Duration expire, long nowEpochSecond) {
        if (expire == null) {
            return 0;
        }
        long seconds = Durations.ceilSeconds(expire) + 1;
        if (seconds <= MAX_RELATIVE_SECONDS) {
            return (int) seconds;
        }
        long absolute = nowEpochSecond + seconds;
        if (absolute > LATEST_EPOCH_SECOND) {
            throw new IllegalArgumentException("expire " + expire + " ends after "
                    + Instant.ofEpochSecond(LATEST_EPOCH_SECOND)
                    + ", the latest expiry memcached can store. Use a shorter expire, or none (never expires)");
        }
        return (int) absolute;
    }

    /**
     * Why memcached cannot honour a (positive) expiry, as a phrase completing "'expire' PT0.5S ...", or {@code null}.
     * @param expire the expiry
     * @param nowEpochSecond the current Unix time in seconds
     * @return the reason with the limit and the fix, or {@code null} if supported
     */
    static @Nullable String unsupported(Duration expire, long nowEpochSecond) {
        if (expire.compareTo(MIN) < 0) {
            return "is shorter than the 1 s memcached can keep (it counts whole seconds); use at least 1s";
        }
        long seconds = Durations.ceilSeconds(expire) + 1;
        if (seconds > MAX_RELATIVE_SECONDS && nowEpochSecond + seconds > LATEST_EPOCH_SECOND) {
            long days = Math.max(0, LATEST_EPOCH_SECOND - nowEpochSecond - 1) / 86_400;
            return "would end after " + Instant.ofEpochSecond(LATEST_EPOCH_SECOND) + ", the latest time memcached can"
                    + " store (a signed 32-bit Unix time); use at most " + days + " days, or no expiry";
        }
        return null;
    }

}
