package dev.sherlock.memory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.ReleaseSignals;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;

/**
 * Locks in this JVM's memory, for tests of code that uses locks: no server, no files, nothing left behind. Every
 * registry and handle made over one instance contends as processes sharing one server do, with the same semantics as
 * the other backends (owner-checked release and renew, expiry, fencing tokens increasing per name, waiters woken by
 * releases); separate instances share nothing. It excludes nothing outside this JVM: do not use it in production.
 *
 * <pre class="code">
 * MemoryBackend backend = new MemoryBackend();
 * LockRegistry registry = LockRegistry.of(backend, null, LockSettings.defaults());
 * </pre>
 *
 * <p>{@link #evict(String)} takes a lock away from its holder, to test how code copes with a lost lock.
 *
 * @since 0.2.0
 */
public final class MemoryBackend implements LockBackend {

    /** The locks by key; guarded by {@code this}. */
    private final Map<String, Entry> entries = new HashMap<>();

    /** The last fencing token of every key ever locked; guarded by {@code this}. */
    private final Map<String, Long> tokens = new HashMap<>();

    private final ReleaseSignals signals = new ReleaseSignals();

    /** Creates an empty backend. */
    public MemoryBackend() {
    }

    @Override
    public String name() {
        return "memory";
    }

    /** {@code <length of namespace>:<namespace>/<name>}, or {@code /<name>}: distinct for distinct pairs. */
    @Override
    public String key(@Nullable String namespace, String name) {
        return namespace == null ? "/" + name : namespace.length() + ":" + namespace + "/" + name;
    }

    @Override
    public synchronized AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        long now = System.nanoTime();
        Entry entry = live(key, now);
        if (entry != null && entry.owner.equals(owner)) {
            return AcquireResult.acquired(entry.token);
        }
        if (entry != null) {
            return AcquireResult.held(entry.expires ? Duration.ofNanos(entry.deadline - now) : null, entry.token);
        }
        long token = tokens.merge(key, 1L, Long::sum);
        entries.put(key, new Entry(owner, token, expire != null, expire == null ? 0 : now + expire.toNanos()));
        return AcquireResult.acquired(token);
    }

    @Override
    public boolean release(String key, String owner) {
        long released;
        synchronized (this) {
            Entry entry = live(key, System.nanoTime());
            if (entry == null || !entry.owner.equals(owner)) {
                return false;
            }
            entries.remove(key);
            released = entry.token;
        }
        // Newer than the holder's token, which is what its waiters observed.
        signals.released(key, released + 1);
        return true;
    }

    @Override
    public synchronized boolean renew(String key, String owner, @Nullable Duration expire) {
        long now = System.nanoTime();
        Entry entry = live(key, now);
        if (entry == null || !entry.owner.equals(owner)) {
            return false;
        }
        entries.put(key, new Entry(owner, entry.token, expire != null, expire == null ? 0 : now + expire.toNanos()));
        return true;
    }

    @Override
    public synchronized boolean isLocked(String key) {
        return live(key, System.nanoTime()) != null;
    }

    /** Woken by the release of the lock; an expiry is found by the waiter's own bounded wait. */
    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        signals.await(key, observedVersion, maxWait);
        return WaitOutcome.tryAgain();
    }

    /**
     * Deletes a lock behind its holder's back, as an expiry, an eviction or an operator would: its holder finds it
     * lost at its next renewal or its release, and waiters are woken.
     * @param key the lock's key, {@link #key(String, String) key(namespace, name)}
     * @return whether there was a lock to delete
     */
    public boolean evict(String key) {
        boolean evicted;
        synchronized (this) {
            evicted = entries.remove(key) != null;
        }
        signals.released(key, 0);
        return evicted;
    }

    /** The lock of {@code key} unless it has expired (then it is dropped). */
    private @Nullable Entry live(String key, long now) {
        Entry entry = entries.get(key);
        if (entry != null && entry.expires && now - entry.deadline >= 0) {
            entries.remove(key);
            return null;
        }
        return entry;
    }

    @Override
    public String toString() {
        return "MemoryBackend";
    }

    private record Entry(String owner, long token, boolean expires, long deadline) {
    }
}
