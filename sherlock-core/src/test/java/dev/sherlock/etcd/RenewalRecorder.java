package dev.sherlock.etcd;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/** Passes every call to a backend and records the outcome of each renewal, for the failover test. */
final class RenewalRecorder implements LockBackend {

    private final LockBackend delegate;

    final AtomicInteger renewed = new AtomicInteger();

    final AtomicInteger refused = new AtomicInteger();

    final AtomicInteger failed = new AtomicInteger();

    /** Renewals that succeeded after at least one had failed. */
    final AtomicInteger renewedAfterFailure = new AtomicInteger();

    /** When the latest successful renewal was sent, in {@link System#nanoTime()}. */
    final AtomicLong lastRenewalSent = new AtomicLong();

    RenewalRecorder(LockBackend delegate) {
        this.delegate = delegate;
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

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String key(@Nullable String namespace, String name) {
        return delegate.key(namespace, name);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        return delegate.tryAcquire(key, owner, expire);
    }

    @Override
    public boolean release(String key, String owner) {
        return delegate.release(key, owner);
    }

    @Override
    public boolean isLocked(String key) {
        return delegate.isLocked(key);
    }

    @Override
    public void awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        delegate.awaitRelease(key, observedVersion, maxWait);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
