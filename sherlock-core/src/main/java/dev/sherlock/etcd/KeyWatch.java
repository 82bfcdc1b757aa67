package dev.sherlock.etcd;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.jspecify.annotations.Nullable;

/**
 * One etcd watch on one lock key, shared by every thread of the backend that waits for that key, and what it has
 * learned: the latest revision at which the key was known to exist and the latest revision at which it was deleted
 * (a release, or the expiry of its lease).
 *
 * <p>Revisions are etcd's cluster-wide counter, so knowledge from failed transactions, reads and watch events
 * combines by taking maxima: the key is believed held while {@code heldAt > deletedAt}.
 *
 * <p>Callbacks arrive on jetcd threads that may hold jetcd's own watch lock, so this class never calls jetcd while
 * holding its lock.
 */
final class KeyWatch implements Watch.Listener {

    /** How long the watch's belief that the key is held is trusted before the server is asked again. */
    static final long TRUST_NANOS = TimeUnit.SECONDS.toNanos(1);

    final String key;

    /** The first revision this watch sees: events before it are not reported. */
    final long startRevision;

    private long heldAt;

    private long deletedAt;

    /** The latest write of the key: its revision, value and lease (a release that hands the lock over writes it). */
    private long writtenAt;

    private @Nullable ByteSequence writtenValue;

    private long writtenLease;

    /** When the server last told us something about the key, in {@link System#nanoTime()}. */
    private long confirmedAt;

    private int waiters;

    private long idleSince;

    private boolean broken;

    private boolean closed;

    private Watch.@Nullable Watcher watcher;

    /** Guards the state above: a lock, not a monitor, so a virtual thread waiting here does not pin its carrier. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled when the watch learns something or closes. */
    private final Condition changed = lock.newCondition();

    /**
     * @param key the lock key
     * @param heldRevision a revision at which the key is known to exist (a failed acquisition's); the watch starts
     *     right after it, which etcd serves at once from its synced watchers unless other writes have already
     *     passed that revision (then etcd's catch-up loop delivers within about 100 ms)
     */
    KeyWatch(String key, long heldRevision) {
        this.key = key;
        this.startRevision = heldRevision + 1;
        this.heldAt = heldRevision;
        this.confirmedAt = System.nanoTime();
        this.idleSince = confirmedAt;
    }

    /** Attaches the jetcd watcher once it is created; closes it at once if this watch was closed meanwhile. */
    void attach(Watch.Watcher created) {
        boolean closeNow;
        lock.lock();
        try {
            closeNow = closed;
            if (!closeNow) {
                watcher = created;
            }
        }
        finally {
            lock.unlock();
        }
        if (closeNow) {
            created.close();
        }
    }

    void enter() {
        lock.lock();
        try {
            waiters++;
        }
        finally {
            lock.unlock();
        }
    }

    void leave() {
        lock.lock();
        try {
            waiters--;
            idleSince = System.nanoTime();
        }
        finally {
            lock.unlock();
        }
    }

    /** Whether a new waiter can rely on this watch. */
    boolean usable() {
        lock.lock();
        try {
            return !broken && !closed;
        }
        finally {
            lock.unlock();
        }
    }

    boolean idleLongerThan(long nanos, long now) {
        lock.lock();
        try {
            return waiters == 0 && now - idleSince > nanos;
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * The revision at which the key is known to exist, if this watch believes it still held; 0 otherwise.
     */
    long heldRevision() {
        lock.lock();
        try {
            return !broken && !closed && heldAt > deletedAt ? heldAt : 0;
        }
        finally {
            lock.unlock();
        }
    }

    /** Whether the server confirmed the watch's knowledge recently enough to answer without asking it. */
    boolean confirmedSince(long now) {
        lock.lock();
        try {
            return now - confirmedAt < TRUST_NANOS;
        }
        finally {
            lock.unlock();
        }
    }

    /** A failed acquisition or a read saw the key at {@code revision}. */
    void observedHeld(long revision) {
        lock.lock();
        try {
            heldAt = Math.max(heldAt, revision);
            confirmedAt = System.nanoTime();
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * The revision at which a release handed the lock to {@code owner}: the key's latest known write, after
     * {@code observedRevision}, with the owner's token as value and on its line lease; 0 if not seen.
     */
    long handedAt(@Nullable ByteSequence owner, long lease, long observedRevision) {
        lock.lock();
        try {
            return handedLocked(owner, lease, observedRevision);
        }
        finally {
            lock.unlock();
        }
    }

    private long handedLocked(@Nullable ByteSequence owner, long lease, long observedRevision) {
        return owner != null && writtenAt > observedRevision && writtenAt > deletedAt && writtenLease == lease
                && owner.equals(writtenValue) ? writtenAt : 0;
    }

    /** Whether the key was seen deleted at a revision after {@code observedRevision}. */
    boolean deletedAfter(long observedRevision) {
        lock.lock();
        try {
            return deletedAt > observedRevision;
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the key is deleted at a revision after {@code observedRevision}, or handed to {@code owner} on
     * {@code lease} (see {@link #handedAt}), or until {@code deadline}. A broken watch no longer wakes the waiter
     * early, which leaves it polling at the caller's retry interval. What it saw, {@link #deletedAfter} and
     * {@link #handedAt} say.
     */
    void awaitDeletionAfter(long observedRevision, long deadline, @Nullable ByteSequence owner, long lease)
            throws InterruptedException {
        lock.lock();
        try {
            while (deletedAt <= observedRevision && handedLocked(owner, lease, observedRevision) == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                changed.awaitNanos(left);
            }
        }
        finally {
            lock.unlock();
        }
    }

    @Override
    public void onNext(WatchResponse response) {
        lock.lock();
        try {
            for (WatchEvent event : response.getEvents()) {
                long revision = event.getKeyValue().getModRevision();
                if (event.getEventType() == WatchEvent.EventType.DELETE) {
                    deletedAt = Math.max(deletedAt, revision);
                }
                else if (event.getEventType() == WatchEvent.EventType.PUT) {
                    heldAt = Math.max(heldAt, revision);
                    if (revision > writtenAt) {
                        writtenAt = revision;
                        writtenValue = event.getKeyValue().getValue();
                        writtenLease = event.getKeyValue().getLease();
                    }
                }
            }
            confirmedAt = System.nanoTime();
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    @Override
    public void onError(Throwable throwable) {
        // jetcd may resume the watch by itself, but waiters stop trusting it and the next wait replaces it.
        lock.lock();
        try {
            broken = true;
        }
        finally {
            lock.unlock();
        }
    }

    @Override
    public void onCompleted() {
        lock.lock();
        try {
            broken = true;
        }
        finally {
            lock.unlock();
        }
    }

    /** Cancels the etcd watch. Call without holding any lock: jetcd takes its own. */
    void close() {
        Watch.Watcher current;
        lock.lock();
        try {
            closed = true;
            current = watcher;
            watcher = null;
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
        if (current != null) {
            current.close();
        }
    }

    @Override
    public String toString() {
        return "KeyWatch " + key + " from revision " + startRevision;
    }
}
