package dev.sherlock.etcd;

import java.util.concurrent.TimeUnit;

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
 * holding its monitor.
 */
final class KeyWatch implements Watch.Listener {

    /** How long the watch's belief that the key is held is trusted before the server is asked again. */
    static final long TRUST_NANOS = TimeUnit.SECONDS.toNanos(1);

    final String key;

    /** The first revision this watch sees: events before it are not reported. */
    final long startRevision;

    private long heldAt;

    private long deletedAt;

    /** When the server last told us something about the key, in {@link System#nanoTime()}. */
    private long confirmedAt;

    private int waiters;

    private long idleSince;

    private boolean broken;

    private boolean closed;

    private Watch.@Nullable Watcher watcher;

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
        synchronized (this) {
            closeNow = closed;
            if (!closeNow) {
                watcher = created;
            }
        }
        if (closeNow) {
            created.close();
        }
    }

    synchronized void enter() {
        waiters++;
    }

    synchronized void leave() {
        waiters--;
        idleSince = System.nanoTime();
    }

    /** Whether a new waiter can rely on this watch. */
    synchronized boolean usable() {
        return !broken && !closed;
    }

    synchronized boolean idleLongerThan(long nanos, long now) {
        return waiters == 0 && now - idleSince > nanos;
    }

    /**
     * The revision at which the key is known to exist, if this watch believes it still held; 0 otherwise.
     */
    synchronized long heldRevision() {
        return !broken && !closed && heldAt > deletedAt ? heldAt : 0;
    }

    /** Whether the server confirmed the watch's knowledge recently enough to answer without asking it. */
    synchronized boolean confirmedSince(long now) {
        return now - confirmedAt < TRUST_NANOS;
    }

    /** A failed acquisition or a read saw the key at {@code revision}. */
    synchronized void observedHeld(long revision) {
        heldAt = Math.max(heldAt, revision);
        confirmedAt = System.nanoTime();
    }

    /**
     * Waits until the key is deleted at a revision after {@code observedRevision}, or until {@code deadline}. A
     * broken watch no longer wakes the waiter early, which leaves it polling at the caller's retry interval.
     * @return whether the deletion was seen
     */
    synchronized boolean awaitDeletionAfter(long observedRevision, long deadline) throws InterruptedException {
        while (deletedAt <= observedRevision) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    @Override
    public void onNext(WatchResponse response) {
        synchronized (this) {
            for (WatchEvent event : response.getEvents()) {
                long revision = event.getKeyValue().getModRevision();
                if (event.getEventType() == WatchEvent.EventType.DELETE) {
                    deletedAt = Math.max(deletedAt, revision);
                }
                else if (event.getEventType() == WatchEvent.EventType.PUT) {
                    heldAt = Math.max(heldAt, revision);
                }
            }
            confirmedAt = System.nanoTime();
            notifyAll();
        }
    }

    @Override
    public void onError(Throwable throwable) {
        // jetcd may resume the watch by itself, but waiters stop trusting it and the next wait replaces it.
        synchronized (this) {
            broken = true;
        }
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            broken = true;
        }
    }

    /** Cancels the etcd watch. Call without holding any lock: jetcd takes its own. */
    void close() {
        Watch.Watcher current;
        synchronized (this) {
            closed = true;
            current = watcher;
            watcher = null;
            notifyAll();
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
