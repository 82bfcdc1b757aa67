package dev.sherlock;

import java.util.concurrent.Executor;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The background work of one registry, or of the standalone handles of one backend: renewals, deadline watchdogs
 * and clean-ups, scheduled by {@link Renewals} and run on a lane. A registry's background is closed with the
 * registry: its pending tasks are dropped, nothing new is scheduled, and the threads of its own lane end.
 */
final class Background {

    /** Where calls to the backend run. */
    final Executor lane;

    /** The lane, if this background made it and ends its threads on close; a caller's executor stays theirs. */
    private final @Nullable Workers own;

    private volatile boolean closed;

    private Background(Executor lane, @Nullable Workers own) {
        this.lane = lane;
        this.own = own;
    }

    /** A registry's background: on {@code executor} if given, else on threads of its own. */
    static Background forRegistry(LockBackend backend, @Nullable Executor executor) {
        if (executor != null) {
            return new Background(executor, null);
        }
        Workers workers = Renewals.newLane(backend);
        return new Background(workers, workers);
    }

    /** The background of standalone handles: the backend's shared lane, never closed. */
    static Background shared(LockBackend backend) {
        return new Background(Renewals.lane(backend), null);
    }

    /** Runs {@code task} once on the lane after {@code delayNanos}, unless cancelled or closed first. */
    Renewals.Renewal schedule(Runnable task, long delayNanos) {
        return schedule(task, delayNanos, Workers.STALL_NANOS);
    }

    /**
     * As {@link #schedule(Runnable, long)}, for a task that can wait {@code patienceNanos} for a thread once due
     * before the lane starts more threads.
     */
    Renewals.Renewal schedule(Runnable task, long delayNanos, long patienceNanos) {
        return Renewals.schedule(task, delayNanos, patienceNanos, lane, this);
    }

    /** Runs {@code watchdog}, which calls no backend, once after {@code delayNanos} on the watchdogs' lane. */
    Renewals.Renewal watch(Runnable watchdog, long delayNanos) {
        return Renewals.schedule(watchdog, delayNanos, Workers.STALL_NANOS, Renewals.watchdogs, this);
    }

    boolean closed() {
        return closed;
    }

    /** Drops the pending tasks and ends the own lane's threads once their current task is done. */
    void close() {
        closed = true;
        Renewals.cancelAll(this);
        Orphans.forget(this);
        if (own != null) {
            own.close();
        }
    }
}
