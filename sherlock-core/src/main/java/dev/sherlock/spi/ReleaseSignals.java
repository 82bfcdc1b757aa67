package dev.sherlock.spi;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * The local side of release notifications, shared by every backend that can notify: the threads of this process
 * that wait for a key, woken when the backend's subscription, watch or file event reports that the key may be free.
 *
 * <p>A signal carries a version that only grows per key (a fencing counter, a store revision), or {@code 0} when the
 * store offers none. A waiter that observed version {@code v} in its failed attempt is woken by a signal of a larger
 * version, or by any unversioned signal; a signal that arrived in the short moment between the failed attempt and
 * the start of the wait is remembered in a small table of recent releases, so it is not missed. A lost signal only
 * costs the waiter's bounded wait: the core sends a real attempt every so often.
 *
 * <p>Signalling is cheap when nobody waits for the key (one table write), so a backend may signal every release it
 * sees. Waiting uses {@link ReentrantLock}s, never monitors, so virtual threads do not pin their carrier.
 *
 * @since 0.1.0
 */
public final class ReleaseSignals {

    private static final int RECENT_SLOTS = 1024;

    /** Recent releases older than this are not trusted to be newer than an observation; waiting is bounded anyway. */
    private static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConcurrentHashMap<String, Waiters> waiting = new ConcurrentHashMap<>();

    private final AtomicReferenceArray<@Nullable Release> recent = new AtomicReferenceArray<>(RECENT_SLOTS);

    /** The version of the latest signal for every key ({@link #releasedAll(long)}), and when it came. */
    private volatile @Nullable Release all;

    /**
     * Waits until a release of {@code key} newer than {@code observedVersion} is signalled, or {@code maxWait}
     * passes.
     * @param key the lock's key
     * @param observedVersion the version the failed attempt saw, or {@code 0} to wait for any signal from now on
     * @param maxWait the longest time to wait
     * @return {@code true} if a release was signalled, {@code false} if the wait timed out
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean await(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        long[] start = new long[2];
        Waiters waiters = waiting.compute(key, (k, existing) -> {
            Waiters joined = existing == null ? new Waiters() : existing;
            joined.users++;
            joined.snapshot(start);
            return joined;
        });
        try {
            // Registered with a snapshot: a signal from now on counts against it, an earlier one is in the table.
            return releasedRecently(key, observedVersion)
                    || waiters.await(observedVersion, start[0], start[1], maxWait.toNanos());
        }
        finally {
            waiting.computeIfPresent(key, (k, existing) -> --existing.users == 0 ? null : existing);
        }
    }

    /**
     * Signals that {@code key} may be free: wakes its waiters whose observed version is older.
     * @param key the lock's key
     * @param version the version of the release, growing per key; {@code 0} if the store offers none, which wakes
     *     every waiter of the key
     */
    public void released(String key, long version) {
        if (version > 0) {
            recent.set(slot(key), new Release(key, version, System.nanoTime()));
        }
        Waiters waiters = waiting.get(key);
        if (waiters != null) {
            waiters.signal(version);
        }
    }

    /** Wakes every waiter of every key, e.g. after a lost connection, when releases may have been missed. */
    public void releasedAll() {
        waiting.values().forEach(waiters -> waiters.signal(0));
    }

    /**
     * Wakes every waiter of every key, and also those about to wait that observed an older version: for stores whose
     * versions count the changes of all keys together (one sequence for a directory).
     * @param version the version of this signal, growing across all keys
     */
    public void releasedAll(long version) {
        all = new Release("", version, System.nanoTime());
        waiting.values().forEach(waiters -> waiters.signal(version));
    }

    /**
     * How many threads wait for a release of the key.
     * @param key the lock's key
     * @return the number of waiting threads
     */
    public int waiters(String key) {
        Waiters waiters = waiting.get(key);
        return waiters == null ? 0 : waiters.users;
    }

    /**
     * Whether anybody waits for any key.
     * @return {@code true} if some thread waits
     */
    public boolean anyWaiters() {
        return !waiting.isEmpty();
    }

    /**
     * The version of the latest release of the key signalled in the last moment, or {@code 0}.
     * @param key the lock's key
     * @return the version, or {@code 0}
     */
    public long recentRelease(String key) {
        Release release = recent.get(slot(key));
        return release != null && release.key.equals(key) ? release.version : 0;
    }

    private boolean releasedRecently(String key, long observedVersion) {
        if (observedVersion <= 0) {
            // Nothing to compare with: only releases signalled from now on count.
            return false;
        }
        Release release = recent.get(slot(key));
        Release everyKey = all;
        return release != null && release.version > observedVersion && release.key.equals(key)
                && System.nanoTime() - release.received < RECENT_NANOS
                || everyKey != null && everyKey.version > observedVersion
                && System.nanoTime() - everyKey.received < RECENT_NANOS;
    }

    private static int slot(String key) {
        int hash = key.hashCode();
        return (hash ^ (hash >>> 16)) & (RECENT_SLOTS - 1);
    }

    private record Release(String key, long version, long received) {
    }

    /** The local waiters of one key; {@link #users} changes only inside the map's compute functions. */
    private static final class Waiters {

        private final ReentrantLock lock = new ReentrantLock();

        private final Condition changed = lock.newCondition();

        volatile int users;

        private long highest;

        private long sequence;

        private long unversioned;

        void signal(long version) {
            lock.lock();
            try {
                if (version > 0) {
                    highest = Math.max(highest, version);
                }
                else {
                    unversioned++;
                }
                sequence++;
                changed.signalAll();
            }
            finally {
                lock.unlock();
            }
        }

        /** Records where the signals stand, as {@code {sequence, unversioned}}, for a waiter joining now. */
        void snapshot(long[] start) {
            lock.lock();
            try {
                start[0] = sequence;
                start[1] = unversioned;
            }
            finally {
                lock.unlock();
            }
        }

        boolean await(long observedVersion, long startSequence, long startUnversioned, long waitNanos)
                throws InterruptedException {
            lock.lock();
            try {
                long left = waitNanos;
                while (!(observedVersion > 0
                        ? highest > observedVersion || unversioned != startUnversioned
                        : sequence != startSequence)) {
                    if (left <= 0) {
                        return false;
                    }
                    left = changed.awaitNanos(left);
                }
                return true;
            }
            finally {
                lock.unlock();
            }
        }
    }
}
