package dev.sherlock.etcd;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The callers of one backend that stand in line for a lock, each on a short lease of its own (the cluster's minimum
 * TTL) that holds its line entry and, once a release hands it the lock, the lock key. A lease is kept alive only
 * while its caller keeps its promise to try again or wait: the entry of a caller that went away, and a lock handed to
 * it, vanish within the lease's TTL, so a lock is never held long by a waiter that is gone.
 */
final class LineWaiters implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LineWaiters.class);

    /** A caller that does not come back this long after its promise is gone: its lease is no longer kept alive. */
    private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /**
     * One caller in line: the lock key, its lease, when its latest attempt was sent (a lock handed to it is valid
     * from then, as the SPI counts) and until when it promised to come back.
     */
    static final class Waiting {

        final String key;

        final long lease;

        private volatile long attemptSent;

        private volatile long promisedUntil;

        Waiting(String key, long lease, long attemptSent, long promisedUntil) {
            this.key = key;
            this.lease = lease;
            this.attemptSent = attemptSent;
            this.promisedUntil = promisedUntil;
        }

        /** When the caller's latest attempt was sent, in {@link System#nanoTime()}. */
        long attemptSent() {
            return attemptSent;
        }
    }

    private final EtcdLeases leases;

    /** The line leases' TTL in seconds. */
    final long ttlSeconds;

    private final long tickMillis;

    private final ConcurrentMap<String, Waiting> byOwner = new ConcurrentHashMap<>();

    private @Nullable ScheduledFuture<?> tick;

    private boolean closed;

    LineWaiters(EtcdLeases leases, long ttlSeconds) {
        this.leases = leases;
        this.ttlSeconds = ttlSeconds;
        this.tickMillis = Math.max(200, TimeUnit.SECONDS.toMillis(ttlSeconds) / 3);
    }

    /** The caller {@code owner} if it stands in line. */
    @Nullable Waiting get(String owner) {
        return byOwner.get(owner);
    }

    /**
     * The caller {@code owner} stands in line for {@code key} on {@code lease} since its attempt sent at
     * {@code attemptSent}, and comes back within the promise.
     */
    Waiting joined(String owner, String key, long lease, long attemptSent, long promiseNanos) {
        Waiting waiting = new Waiting(key, lease, attemptSent, System.nanoTime() + promiseNanos);
        byOwner.put(owner, waiting);
        schedule();
        return waiting;
    }

    /** The caller {@code owner}, in line, made another attempt, sent at {@code attemptSent}. */
    void attempted(Waiting waiting, long attemptSent, long promiseNanos) {
        waiting.attemptSent = attemptSent;
        waiting.promisedUntil = Math.max(waiting.promisedUntil, System.nanoTime() + promiseNanos);
    }

    /** The caller {@code owner}, if in line, waits up to {@code waitNanos}: its lease is kept alive meanwhile. */
    void waits(String owner, long waitNanos) {
        Waiting waiting = byOwner.get(owner);
        if (waiting != null) {
            waiting.promisedUntil = Math.max(waiting.promisedUntil, System.nanoTime() + waitNanos);
        }
    }

    /** Takes {@code owner} out of line; returns what it was, if anything. */
    @Nullable Waiting leave(String owner) {
        return byOwner.remove(owner);
    }

    /** Takes {@code owner} out of line if it is still {@code waiting} (not given up on meanwhile). */
    boolean leave(String owner, Waiting waiting) {
        return byOwner.remove(owner, waiting);
    }

    /** Number of callers in line, for tests. */
    int size() {
        return byOwner.size();
    }

    private synchronized void schedule() {
        if (tick == null && !closed) {
            tick = EtcdTimers.schedule(this::tick, tickMillis);
        }
    }

    /** Keeps the leases of callers that kept their promise alive; forgets the others, whose leases then expire. */
    private void tick() {
        long now = System.nanoTime();
        byOwner.forEach((owner, waiting) -> {
            if (now - waiting.promisedUntil > GRACE_NANOS) {
                if (byOwner.remove(owner, waiting)) {
                    logger.debug("Backend etcd: the caller waiting for key '{}' did not come back; its place in line"
                            + " lapses with its lease", waiting.key);
                    leases.forget(waiting.lease);
                }
                return;
            }
            CompletableFuture<Long> alive = leases.keepAliveAsync(waiting.lease);
            alive.whenComplete((ttl, failure) -> {
                if (failure != null && EtcdRequests.isLeaseNotFound(failure) && byOwner.remove(owner, waiting)) {
                    // The entry is gone with its lease: the caller's next attempt stands in line again.
                    leases.forget(waiting.lease);
                }
            });
        });
        synchronized (this) {
            tick = null;
            if (!byOwner.isEmpty() && !closed) {
                tick = EtcdTimers.schedule(this::tick, tickMillis);
            }
        }
    }

    /** Stops keeping leases alive; the backend's close revokes them with the others. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (tick != null) {
                tick.cancel(false);
                tick = null;
            }
        }
        byOwner.values().forEach(waiting -> leases.revoke(waiting.lease, waiting.key));
        byOwner.clear();
    }
}
