package dev.sherlock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import org.jspecify.annotations.Nullable;

/**
 * The public {@link MemoryBackend}, for testing the generic machinery: it can be told to fail, counts calls and
 * loses locks by name.
 */
final class InMemoryBackend extends ForwardingBackend {

    volatile @Nullable RuntimeException renewFailure;

    volatile @Nullable RuntimeException acquireFailureAfterWrite;

    final AtomicInteger renewCalls = new AtomicInteger();

    final AtomicInteger releaseCalls = new AtomicInteger();

    InMemoryBackend() {
        super(new MemoryBackend());
    }

    @Override
    public synchronized AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        boolean existed = super.isLocked(key);
        AcquireResult result = super.tryAcquire(key, owner, expire);
        RuntimeException failure = acquireFailureAfterWrite;
        if (failure != null && result.acquired() && !existed) {
            // The lock was created, but its reply is lost; a resend of the same owner finds it.
            throw failure;
        }
        return result;
    }

    @Override
    public boolean release(String key, String owner) {
        releaseCalls.incrementAndGet();
        return super.release(key, owner);
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        renewCalls.incrementAndGet();
        RuntimeException failure = renewFailure;
        if (failure != null) {
            throw failure;
        }
        return super.renew(key, owner, expire);
    }

    /** Deletes the lock {@code name} (no namespace) behind its holder's back, as an eviction or an operator would. */
    void evict(String name) {
        ((MemoryBackend) delegate).evict(key(null, name));
    }
}
