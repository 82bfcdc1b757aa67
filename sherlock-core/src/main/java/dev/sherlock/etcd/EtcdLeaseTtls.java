package dev.sherlock.etcd;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The lease TTLs etcd grants: whole seconds, at least its minimum and at most its maximum.
 *
 * <p>etcd raises a requested TTL below its minimum lease TTL to that minimum, silently: 1.5 times the election
 * timeout, rounded up to whole seconds, so 2 s with the default 1 s election timeout. A lock on such a lease would
 * outlive its expiry, so expiries below the minimum the backend assumes are refused when a lock is configured. The
 * maximum is etcd's {@code MaxLeaseTTL}, 9,000,000,000 s.
 */
final class EtcdLeaseTtls {

    /** The minimum lease TTL of an etcd with default settings. */
    static final Duration DEFAULT_MINIMUM = Duration.ofSeconds(2);

    /** etcd's longest lease TTL, in seconds ({@code MaxLeaseTTL}); longer ones are refused. */
    static final long MAX_SECONDS = 9_000_000_000L;

    private EtcdLeaseTtls() {
    }

    /** A lease TTL in whole seconds, rounded up so the lease never ends before the expiry. */
    static long seconds(Duration expire) {
        long seconds = expire.getSeconds() + (expire.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }

    /**
     * Why etcd cannot honour a (positive) expiry, as a phrase completing "'expire' PT0.5S ...", or {@code null}.
     * @param expire the expiry
     * @param minimum the minimum lease TTL the backend assumes
     */
    static @Nullable String unsupported(Duration expire, Duration minimum) {
        if (expire.compareTo(minimum) < 0) {
            return "is shorter than etcd's minimum lease TTL, which this backend takes to be " + text(minimum)
                    + " (1.5 times the election timeout, rounded up; 2s with etcd's defaults), and etcd would"
                    + " lengthen the lease so the lock outlives its expiry; use at least " + text(minimum)
                    + ", or configure the backend's minimumLeaseTtl as your cluster's";
        }
        if (seconds(expire) > MAX_SECONDS) {
            return "is longer than the longest lease etcd grants (" + MAX_SECONDS + " s); use a shorter expire, or"
                    + " none (never expires)";
        }
        return null;
    }

    /** {@code 2s} for whole seconds, as properties are written; the ISO form otherwise. */
    static String text(Duration duration) {
        return duration.getNano() == 0 ? duration.getSeconds() + "s" : duration.toString();
    }
}
