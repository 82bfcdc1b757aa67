package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watches through which waiters of one backend learn that a lock key was deleted: one {@link KeyWatch} per key
 * that somebody waits for, shared by all its waiters and closed a few seconds after the last one left.
 *
 * <p>A wait that saw no deletion hands back its watch, so the backend can answer "still held" from it (or from a
 * read) instead of letting the waiter re-send the create-if-absent transaction: every failed transaction is still
 * a Raft proposal.
 */
final class ReleaseWatches implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ReleaseWatches.class);

    /** Watches nobody waits on are closed after this. */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(3);

    private static final long SWEEP_MILLIS = 1000;

    private final Watch client;

    private final ConcurrentMap<String, KeyWatch> watches = new ConcurrentHashMap<>();

    private @Nullable ScheduledFuture<?> sweep;

    private boolean closed;

    ReleaseWatches(Watch client) {
        this.client = client;
    }

    /**
     * Waits until {@code key} is deleted at a revision after {@code observedRevision}, or handed to {@code owner} on
     * {@code lease}, or {@code maxWait} passes.
     * @param observedRevision a revision at which the key was seen held
     * @param owner the waiter's owner token if it stands in line, else {@code null}
     * @return the watch waited on, which says what it saw
     */
    KeyWatch await(String key, long observedRevision, Duration maxWait, @Nullable ByteSequence owner, long lease)
            throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        KeyWatch watch = join(key, observedRevision);
        try {
            watch.awaitDeletionAfter(observedRevision, deadline, owner, lease);
            return watch;
        }
        finally {
            watch.leave();
        }
    }

    /** A failed attempt saw {@code key} held at {@code revision}: tells the key's watch, if there is one. */
    void observedHeld(String key, long revision) {
        KeyWatch watch = watches.get(key);
        if (watch != null) {
            watch.observedHeld(revision);
        }
    }

    /**
     * Whether somebody of this backend waited for {@code key} lately: its watch is still open (it closes a few
     * seconds after the last waiter left).
     */
    boolean contended(String key) {
        KeyWatch watch = watches.get(key);
        return watch != null && watch.usable();
    }

    private KeyWatch join(String key, long observedRevision) {
        KeyWatch[] created = new KeyWatch[1];
        KeyWatch[] replaced = new KeyWatch[1];
        KeyWatch watch = watches.compute(key, (k, existing) -> {
            if (existing != null && existing.usable()) {
                existing.enter();
                return existing;
            }
            replaced[0] = existing;
            KeyWatch fresh = new KeyWatch(k, observedRevision);
            fresh.enter();
            created[0] = fresh;
            return fresh;
        });
        if (replaced[0] != null) {
            replaced[0].close();
        }
        if (created[0] != null) {
            start(created[0]);
        }
        return watch;
    }

    private void start(KeyWatch watch) {
        try {
            WatchOption option = WatchOption.builder().withRevision(watch.startRevision).build();
            watch.attach(client.watch(ByteSequence.from(watch.key, StandardCharsets.UTF_8), option, watch));
        }
        catch (RuntimeException ex) {
            // Waiters then poll at their retry interval; the next wait tries a new watch.
            logger.debug("Backend etcd: cannot watch key '{}', waiters poll instead", watch.key, ex);
            watch.onError(ex);
        }
        scheduleSweep();
    }

    private synchronized void scheduleSweep() {
        if (sweep == null && !closed) {
            sweep = EtcdTimers.schedule(this::sweep, SWEEP_MILLIS);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        List<KeyWatch> idle = new ArrayList<>();
        for (String key : watches.keySet()) {
            watches.computeIfPresent(key, (k, watch) -> {
                if (watch.idleLongerThan(IDLE_NANOS, now) || !watch.usable() && watch.idleLongerThan(0, now)) {
                    idle.add(watch);
                    return null;
                }
                return watch;
            });
        }
        idle.forEach(KeyWatch::close);
        synchronized (this) {
            sweep = null;
            // Checked under the same monitor as scheduleSweep: a watch added after this check re-arms the sweep.
            if (!watches.isEmpty() && !closed) {
                sweep = EtcdTimers.schedule(this::sweep, SWEEP_MILLIS);
            }
        }
    }

    /** Number of open key watches, for tests. */
    int size() {
        return watches.size();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (sweep != null) {
                sweep.cancel(false);
                sweep = null;
            }
        }
        List<KeyWatch> open = new ArrayList<>(watches.values());
        watches.clear();
        open.forEach(KeyWatch::close);
    }
}
