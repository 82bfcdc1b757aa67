package dev.sherlock.kubernetes;

import java.io.IOException;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.sherlock.spi.DaemonThreads;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import okhttp3.Call;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes waiters when a Lease is released, by watching it.
 *
 * <p>One watch per Lease that somebody in this JVM waits for, started at the {@code resourceVersion} the failed
 * acquire saw, so a release right after that attempt is delivered too. The watch is kept while a waiter waits on it
 * or came back during the last session, and ends by itself once nobody has waited for a whole watch session. Each
 * session asks the server to end it after a few seconds, below the client's read timeout, and the next one resumes
 * from the last event or bookmark. Events also refresh the {@link LeaseObservations}, so the woken waiter usually
 * takes the Lease with a single update.
 *
 * <p>Watching is an optimisation: when it is not possible (a resource version that is not a number, too many
 * watches, a failure, no {@code watch} permission) waiters sleep until their retry interval passes and poll.
 *
 * <p>One responsibility, a watch per awaited Lease with its session loop, kept whole (a little over 300 lines) because
 * the loop and the waking share its state.
 */
final class LeaseWatches implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LeaseWatches.class);

    /** Most Leases watched at once by one backend; waiters beyond poll. */
    static final int MAX_WATCHES = 64;

    private static final int SESSION_SECONDS = 5;

    private static final long BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Type EVENT_TYPE = new TypeToken<Watch.Response<V1Lease>>() {
    }.getType();

    private final ApiClient client;

    private final CoordinationV1Api api;

    private final String namespace;

    private final LeaseObservations observations;

    /** Seconds after which the server ends each watch session; 0 when the client's read timeout is too short. */
    private final int sessionSeconds;

    private static final DaemonThreads watchThreads = new DaemonThreads("sherlock-kubernetes-watch");

    private final ConcurrentHashMap<String, LeaseWatch> watches = new ConcurrentHashMap<>();

    private final AtomicBoolean permissionWarned = new AtomicBoolean();

    private volatile long pausedUntil = System.nanoTime();

    private volatile boolean closed;

    LeaseWatches(ApiClient client, CoordinationV1Api api, String namespace, LeaseObservations observations) {
        this.client = client;
        this.api = api;
        this.namespace = namespace;
        this.observations = observations;
        this.sessionSeconds = sessionSeconds(client.getReadTimeout());
    }

    /** A session must end (server side) before the client's read timeout gives up on a quiet connection. */
    static int sessionSeconds(int readTimeoutMillis) {
        if (readTimeoutMillis == 0) {
            return SESSION_SECONDS;
        }
        return (int) Math.max(0, Math.min(SESSION_SECONDS, readTimeoutMillis / 1000L - 2));
    }

    /**
     * Waits until a release of the Lease newer than {@code version} is seen, or {@code maxWait} passes.
     * @param version the resource version the failed acquire saw, as a number; {@code 0} if unknown
     */
    void await(String leaseName, long version, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        LeaseWatch watch = version > 0 ? watchFor(leaseName, version) : null;
        if (watch == null) {
            TimeUnit.NANOSECONDS.sleep(Math.max(TimeUnit.MILLISECONDS.toNanos(1), maxWait.toNanos()));
            return;
        }
        watch.await(version, deadline);
    }

    int active() {
        return watches.size();
    }

    private @Nullable LeaseWatch watchFor(String leaseName, long version) {
        if (closed || sessionSeconds == 0 || System.nanoTime() - pausedUntil < 0) {
            return null;
        }
        long now = System.nanoTime();
        return watches.compute(leaseName, (name, existing) -> {
            if (existing != null) {
                existing.lastUse = now;
                return existing;
            }
            if (watches.size() >= MAX_WATCHES) {
                return null;
            }
            LeaseWatch started = new LeaseWatch(name, Long.toString(version), now);
            watchThreads.start(started);
            return started;
        });
    }

    @Override
    public void close() {
        closed = true;
        watches.values().forEach(LeaseWatch::cancel);
    }

    /** The watch of one Lease, run on its own thread while waiters use it. */
    private final class LeaseWatch implements Runnable {

        private final String leaseName;

        /** Where the next session resumes: the last event's resource version. */
        private String position;

        /** Highest resource version at which the Lease was seen free or deleted; guarded by {@link #lock}. */
        private long released;

        /** A lock, not a monitor, so a virtual thread waiting here does not pin its carrier. */
        private final ReentrantLock lock = new ReentrantLock();

        /** Signalled when {@link #released} grows. */
        private final Condition releasedSignal = lock.newCondition();

        volatile long lastUse;

        /** Waiters inside {@link #await}: a wait may outlast a session (a retry interval longer than it). */
        private final AtomicInteger waiting = new AtomicInteger();

        private volatile @Nullable Call call;

        LeaseWatch(String leaseName, String position, long now) {
            this.leaseName = leaseName;
            this.position = position;
            this.lastUse = now;
        }

        void await(long version, long deadline) throws InterruptedException {
            waiting.incrementAndGet();
            try {
                awaitRelease(version, deadline);
            }
            finally {
                lastUse = System.nanoTime();
                waiting.decrementAndGet();
            }
        }

        private void awaitRelease(long version, long deadline) throws InterruptedException {
            lock.lock();
            try {
                while (released <= version && !freeInCache(version)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    releasedSignal.awaitNanos(left);
                }
            }
            finally {
                lock.unlock();
            }
        }

        /** A release this client saw by other means (its own write, another thread's read). */
        private boolean freeInCache(long version) {
            LeaseObservations.Observation known = observations.get(leaseName);
            return known != null && known.holder() == null
                    && ResourceVersions.number(known.resourceVersion()) > version;
        }

        @Override
        public void run() {
            try {
                while (!closed && !retire()) {
                    session();
                }
            }
            catch (ApiException | IOException | RuntimeException ex) {
                if (!closed) {
                    failed(ex);
                }
            }
            finally {
                watches.remove(leaseName, this);
            }
        }

        /** Retires the watch, atomically with {@link #watchFor}, if nobody waits or waited during the last session. */
        private boolean retire() {
            boolean[] retired = new boolean[1];
            watches.computeIfPresent(leaseName, (name, current) -> {
                if (current == this && waiting.get() == 0
                        && System.nanoTime() - lastUse > TimeUnit.SECONDS.toNanos(sessionSeconds)) {
                    retired[0] = true;
                    return null;
                }
                return current;
            });
            return retired[0];
        }

        private void session() throws ApiException, IOException {
            Call session = api.listNamespacedLease(namespace)
                .fieldSelector("metadata.name=" + leaseName)
                .resourceVersion(position)
                .allowWatchBookmarks(true)
                .timeoutSeconds(sessionSeconds)
                .watch(true)
                .buildCall(null);
            this.call = session;
            if (closed) {
                return;
            }
            try (Watch<V1Lease> watch = Watch.createWatch(client, session, EVENT_TYPE)) {
                for (Watch.Response<V1Lease> event : watch) {
                    if (!handle(event)) {
                        return;
                    }
                }
            }
        }

        /** Returns whether to go on watching. */
        private boolean handle(Watch.Response<V1Lease> event) {
            if ("ERROR".equals(event.type) || event.object == null) {
                V1Status status = event.status;
                if (status != null && Integer.valueOf(410).equals(status.getCode())) {
                    // Compacted past our position: a release may have been missed, so wake everyone to look, and
                    // let them poll for a while rather than chase a history that moves faster than they do.
                    logger.debug("Backend kubernetes: watch of lease {} expired ({}), waiters poll",
                            leaseName, status.getMessage());
                    pausedUntil = System.nanoTime() + BACKOFF_NANOS;
                    wake(Long.MAX_VALUE);
                    throw new WatchEnded();
                }
                throw new IllegalStateException("watch of lease '" + leaseName + "' failed: "
                        + (status == null ? "no object in event " + event.type : status.getMessage()));
            }
            String version = LeaseObservations.resourceVersion(event.object);
            if (!version.isEmpty()) {
                position = version;
            }
            long now = System.nanoTime();
            switch (event.type) {
                case "ADDED", "MODIFIED" -> {
                    LeaseObservations.Observation seen = observations.record(leaseName, event.object, now);
                    if (seen.holder() == null) {
                        wake(ResourceVersions.number(version));
                    }
                }
                case "DELETED" -> {
                    observations.forget(leaseName, version);
                    wake(ResourceVersions.number(version));
                }
                default -> {
                    // BOOKMARK: only moves the position, so the next session need not replay (or find compacted)
                    // the changes of other Leases since the last event of this one.
                }
            }
            return true;
        }

        private void wake(long version) {
            lock.lock();
            try {
                released = Math.max(released, version);
                releasedSignal.signalAll();
            }
            finally {
                lock.unlock();
            }
        }

        private void failed(Exception ex) {
            if (ex instanceof WatchEnded) {
                return;
            }
            pausedUntil = System.nanoTime() + BACKOFF_NANOS;
            int code = ex instanceof ApiException api ? api.getCode() : 0;
            if ((code == 401 || code == 403) && permissionWarned.compareAndSet(false, true)) {
                logger.warn("Backend kubernetes: watching leases in namespace '{}' is not permitted (HTTP {}), so"
                        + " waiters poll at their retry interval. Grant the 'watch' verb on leases (see"
                        + " docs/kubernetes.md)", namespace, code);
            }
            else {
                logger.debug("Backend kubernetes: watch of lease {} failed, waiters poll for {} s", leaseName,
                        TimeUnit.NANOSECONDS.toSeconds(BACKOFF_NANOS), ex);
            }
        }

        void cancel() {
            Call current = call;
            if (current != null) {
                current.cancel();
            }
        }
    }

    /** Ends a watch thread after an event that already woke the waiters. */
    private static final class WatchEnded extends RuntimeException {

        private static final long serialVersionUID = 1L;

        WatchEnded() {
            super(null, null, false, false);
        }
    }
}
