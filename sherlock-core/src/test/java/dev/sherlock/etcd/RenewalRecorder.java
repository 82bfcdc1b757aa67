package dev.sherlock.etcd;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/** Passes every call to a backend and records the outcome of each renewal, for the failover test. */
final class RenewalRecorder extends ForwardingBackend {

    final AtomicInteger renewed = new AtomicInteger();

    final AtomicInteger refused = new AtomicInteger();

    final AtomicInteger failed = new AtomicInteger();

    /** Renewals that succeeded after at least one had failed. */
    final AtomicInteger renewedAfterFailure = new AtomicInteger();

    /** When the latest successful renewal was sent, in {@link System#nanoTime()}. */
    final AtomicLong lastRenewalSent = new AtomicLong();

    RenewalRecorder(LockBackend delegate) {
        super(delegate);
    }

    @Override
    public String toString() {
        return "renewals: " + renewed + " succeeded (" + renewedAfterFailure + " after a failure), " + failed
                + " failed, " + refused + " found the lock gone";
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        long sent = System.nanoTime();
        try {
            boolean result = delegate.renew(key, owner, expire);
            if (result) {
                renewed.incrementAndGet();
                lastRenewalSent.set(sent);
                if (failed.get() > 0) {
                    renewedAfterFailure.incrementAndGet();
                }
            }
            else {
                refused.incrementAndGet();
            }
            return result;
        }
        catch (RuntimeException ex) {
            failed.incrementAndGet();
            throw ex;
        }
    }
}
