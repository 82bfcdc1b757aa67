package dev.sherlock.etcd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

import org.jspecify.annotations.Nullable;

/**
 * Leases with no key bound to them, left by a failed attempt or freed by a release, kept for a while so that the
 * next attempt reuses one (a keep-alive, which etcd's leader answers from memory) instead of granting a new lease
 * and revoking the old one (two Raft proposals). A spare nobody takes within {@link #IDLE_NANOS} is revoked, as are
 * spares beyond {@link #CAPACITY} and all spares on close. A spare can never grant a lock: it has no key.
 */
final class SpareLeases implements AutoCloseable {

    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    static final int CAPACITY = 64;

    private static final long SWEEP_MILLIS = 1000;

    /**
     * One spare lease.
     * @param id the lease
     * @param requestedTtl the TTL it was granted for, in seconds; 0 when unknown (freed by a release)
     * @param grantedTtl the TTL etcd granted, at least the requested one; 0 when unknown
     * @param aliveUntil a {@link System#nanoTime()} before which etcd keeps it alive; 0 when unknown
     * @param returnedAt when it became spare
     */
    record Spare(long id, long requestedTtl, long grantedTtl, long aliveUntil, long returnedAt) {
    }

    private final LongConsumer revoke;

    /** Most recently returned first, so the oldest age out. */
    private final Deque<Spare> spares = new ArrayDeque<>();

    private @Nullable ScheduledFuture<?> sweep;

    private boolean closed;

    SpareLeases(LongConsumer revoke) {
        this.revoke = revoke;
    }

    /** A spare granted for {@code requestedTtl}, else one whose TTL is unknown, else {@code null}. */
    synchronized @Nullable Spare take(long requestedTtl) {
        Spare unknown = null;
        for (Iterator<Spare> it = spares.iterator(); it.hasNext();) {
            Spare spare = it.next();
            if (spare.requestedTtl() == requestedTtl) {
                it.remove();
                return spare;
            }
            if (unknown == null && spare.requestedTtl() == 0) {
                unknown = spare;
            }
        }
        if (unknown != null) {
            spares.remove(unknown);
        }
        return unknown;
    }

    void give(Spare spare) {
        Spare evicted = null;
        synchronized (this) {
            if (closed) {
                evicted = spare;
            }
            else {
                spares.addFirst(spare);
                if (spares.size() > CAPACITY) {
                    evicted = spares.removeLast();
                }
                if (sweep == null) {
                    sweep = EtcdTimers.schedule(this::sweep, SWEEP_MILLIS);
                }
            }
        }
        if (evicted != null) {
            revoke.accept(evicted.id());
        }
    }

    synchronized int size() {
        return spares.size();
    }

    private void sweep() {
        long now = System.nanoTime();
        List<Spare> idle = new ArrayList<>();
        synchronized (this) {
            sweep = null;
            spares.removeIf(spare -> {
                boolean old = now - spare.returnedAt() > IDLE_NANOS;
                if (old) {
                    idle.add(spare);
                }
                return old;
            });
            if (!spares.isEmpty() && !closed) {
                sweep = EtcdTimers.schedule(this::sweep, SWEEP_MILLIS);
            }
        }
        idle.forEach(spare -> revoke.accept(spare.id()));
    }

    @Override
    public void close() {
        List<Spare> left;
        synchronized (this) {
            closed = true;
            if (sweep != null) {
                sweep.cancel(false);
                sweep = null;
            }
            left = new ArrayList<>(spares);
            spares.clear();
        }
        left.forEach(spare -> revoke.accept(spare.id()));
    }
}
