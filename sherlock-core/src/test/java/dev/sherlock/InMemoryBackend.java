package dev.sherlock;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * A backend in one JVM's memory, for testing the generic machinery: it can be told to fail or to lose locks.
 */
final class InMemoryBackend implements LockBackend {

    private final Map<String, Entry> entries = new HashMap<>();

    private final Map<String, Long> counters = new HashMap<>();

    volatile @Nullable RuntimeException renewFailure;

    volatile @Nullable RuntimeException acquireFailureAfterWrite;

    final AtomicInteger renewCalls = new AtomicInteger();

    final AtomicInteger releaseCalls = new AtomicInteger();

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public String key(@Nullable String namespace, String name) {
        return namespace == null ? name : namespace + "\u0000" + name;
    }

    @Override
    public synchronized AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        long now = System.nanoTime();
        Entry entry = live(key, now);
        if (entry != null && entry.owner.equals(owner)) {
            return AcquireResult.acquired(entry.token);
        }
        if (entry != null) {
            return AcquireResult.held(entry.never ? null : Duration.ofNanos(entry.deadline - now), 0);
        }
        long token = counters.merge(key, 1L, Long::sum);
        entries.put(key, new Entry(owner, token, expire == null ? 0 : now + expire.toNanos(), expire == null));
        RuntimeException failure = acquireFailureAfterWrite;
        if (failure != null) {
            throw failure;
        }
        return AcquireResult.acquired(token);
    }

    @Override
    public synchronized boolean release(String key, String owner) {
        releaseCalls.incrementAndGet();
        Entry entry = live(key, System.nanoTime());
        if (entry == null || !entry.owner.equals(owner)) {
            return false;
        }
        entries.remove(key);
        return true;
    }

    @Override
    public synchronized boolean renew(String key, String owner, @Nullable Duration expire) {
        renewCalls.incrementAndGet();
        RuntimeException failure = renewFailure;
        if (failure != null) {
            throw failure;
        }
        long now = System.nanoTime();
        Entry entry = live(key, now);
        if (entry == null || !entry.owner.equals(owner)) {
            return false;
        }
        entries.put(key, new Entry(owner, entry.token, expire == null ? 0 : now + expire.toNanos(), expire == null));
        return true;
    }

    @Override
    public synchronized boolean isLocked(String key) {
        return live(key, System.nanoTime()) != null;
    }

    /** Deletes the lock behind its holder's back, as an eviction or an operator would. */
    synchronized void evict(String key) {
        entries.remove(key);
    }

    private @Nullable Entry live(String key, long now) {
        Entry entry = entries.get(key);
        if (entry != null && !entry.never && now - entry.deadline >= 0) {
            entries.remove(key);
            return null;
        }
        return entry;
    }

    private record Entry(String owner, long token, long deadline, boolean never) {
    }
}
