package dev.sherlock;

import java.time.Duration;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * Timing settings of a lock, with py-sherlock's defaults: {@code expire} 60 s, {@code timeout} 10 s,
 * {@code retryInterval} 100 ms, and automatic renewal on.
 *
 * <p>Instances are immutable; {@code with...} methods return a copy. All durations are measured with
 * {@link System#nanoTime()} from the moment a request is sent.
 *
 * @param expire how long a lock lives unless renewed; {@code null} means it never expires (py-sherlock's
 *     {@code expire=None})
 * @param timeout how long a blocking {@link Lock#acquire()} waits before throwing {@link LockTimeoutException}
 * @param retryInterval the longest time a waiter sleeps between attempts; backends that notify wake it sooner
 * @param autoRenew whether a held lock with an expiry is renewed automatically, at a third of {@code expire}
 * @since 0.1.0
 */
public record LockSettings(@Nullable Duration expire, Duration timeout, Duration retryInterval, boolean autoRenew) {

    /** Longest accepted duration: beyond it nanosecond deadlines would overflow. */
    static final Duration MAX = Duration.ofDays(365L * 100);

    /**
     * Shortest accepted expiry: a holder renews at a third of it, and a request must make the round trip well within
     * that, or every renewal would arrive too late.
     */
    static final Duration MIN_EXPIRE = Duration.ofMillis(100);

    private static final LockSettings DEFAULTS = new LockSettings(Duration.ofSeconds(60), Duration.ofSeconds(10),
            Duration.ofMillis(100), true);

    /**
     * Validates the components.
     * @throws LockConfigurationException if a duration is negative, zero where it must be positive, or too long
     * @param expire see the record component
     * @param timeout see the record component
     * @param retryInterval see the record component
     * @param autoRenew see the record component
     */
    public LockSettings {
        if (expire != null) {
            check("expire", expire, false);
            if (expire.compareTo(MIN_EXPIRE) < 0) {
                throw new LockConfigurationException("'expire' must be at least " + MIN_EXPIRE.toMillis()
                        + " ms (a holder renews it at a third of it) but was " + expire);
            }
        }
        check("timeout", timeout, true);
        check("retryInterval", retryInterval, false);
    }

    /**
     * py-sherlock's defaults.
     * @return the default settings
     */
    public static LockSettings defaults() {
        return DEFAULTS;
    }

    /**
     * Copy with another expiry.
     * @param expire the new expiry, positive; {@code null} for never
     * @return the copy
     */
    public LockSettings withExpire(@Nullable Duration expire) {
        return new LockSettings(expire, timeout, retryInterval, autoRenew);
    }

    /**
     * Copy whose locks never expire, as py-sherlock's {@code expire=None}.
     * @return the copy
     */
    public LockSettings withoutExpiry() {
        return withExpire(null);
    }

    /**
     * Copy with another timeout.
     * @param timeout the new timeout, zero or positive
     * @return the copy
     */
    public LockSettings withTimeout(Duration timeout) {
        return new LockSettings(expire, timeout, retryInterval, autoRenew);
    }

    /**
     * Copy with another retry interval.
     * @param retryInterval the new retry interval, positive
     * @return the copy
     */
    public LockSettings withRetryInterval(Duration retryInterval) {
        return new LockSettings(expire, timeout, retryInterval, autoRenew);
    }

    /**
     * Copy with automatic renewal switched on or off.
     * @param autoRenew whether held locks are renewed automatically
     * @return the copy
     */
    public LockSettings withAutoRenew(boolean autoRenew) {
        return new LockSettings(expire, timeout, retryInterval, autoRenew);
    }

    /**
     * Refuses an expiry the backend cannot honour.
     * @param backend the backend the settings are used with
     * @param subject names the lock or registry, e.g. {@code "Lock 'orders' (backend memcached)"}
     */
    void requireSupportedBy(LockBackend backend, String subject) {
        Duration expire = this.expire;
        String problem = expire == null ? null : backend.unsupportedExpire(expire);
        if (problem != null) {
            throw new LockConfigurationException(subject + ": 'expire' " + expire + " " + problem);
        }
    }

    private static void check(String field, @Nullable Duration value, boolean zeroAllowed) {
        if (value == null) {
            throw new LockConfigurationException("'" + field + "' must not be null");
        }
        if (value.isNegative() || (!zeroAllowed && value.isZero())) {
            throw new LockConfigurationException(
                    "'" + field + "' must be " + (zeroAllowed ? "zero or positive" : "positive") + " but was " + value);
        }
        if (value.compareTo(MAX) > 0) {
            throw new LockConfigurationException("'" + field + "' must be at most " + MAX.toDays() + " days but was "
                    + value + "; use a lock that never expires instead of a huge expiry");
        }
    }
}
