package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * The one subscription of a {@link RedisBackend} to its release channel, and the local waiters it wakes.
 *
 * <p>The release script publishes {@code <version>:<lock key>}, where the version is the lock's fencing counter
 * after the release. Counters only grow, so a release whose version exceeds what a failed attempt observed happened
 * after that attempt. A release that arrives between the failed attempt and the start of the wait is found in a small
 * table of recent releases, so it is not missed; a lost message only costs the caller's bounded wait.
 *
 * <p>Messages are handled on the client's own thread (they only wake waiters), so hand-off needs no thread switch
 * beyond the woken waiter.
 */
final class ReleaseNotifications implements MessageListener, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ReleaseNotifications.class);

    private static final int RECENT_SLOTS = 1024;

    /** Recent releases older than this are not trusted to be newer than an observation; waiting is bounded anyway. */
    private static final long RECENT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private static final AtomicInteger threads = new AtomicInteger();

    private static final BiFunction<String, @Nullable Waiters, Waiters> join = (key, waiters) -> {
        Waiters joined = waiters == null ? new Waiters() : waiters;
        joined.users++;
        return joined;
    };

    private static final BiFunction<String, Waiters, @Nullable Waiters> leave = (key, waiters) -> --waiters.users == 0
            ? null : waiters;

    /** How long to wait between attempts to subscribe when the first one failed. */
    private static final long RETRY_MILLIS = 5_000;

    private final RedisConnectionFactory connectionFactory;

    private final String channel;

    private final ConcurrentHashMap<String, Waiters> waiting = new ConcurrentHashMap<>();

    private final AtomicReferenceArray<@Nullable Release> recent = new AtomicReferenceArray<>(RECENT_SLOTS);

    private volatile @Nullable RedisMessageListenerContainer container;

    private volatile @Nullable Thread retrying;

    private volatile boolean closed;

    ReleaseNotifications(RedisConnectionFactory connectionFactory, String channel) {
        this.connectionFactory = connectionFactory;
        this.channel = channel;
        RuntimeException failure = subscribe();
        if (failure != null) {
            logger.warn("Backend redis: cannot subscribe to release channel '{}' ({}); waiters poll at their retry"
                    + " interval until a retry every {} s succeeds", channel, failure.getMessage(),
                    RETRY_MILLIS / 1000);
            Thread retry = new Thread(this::retry, "sherlock-redis-subscribe-" + threads.incrementAndGet());
            retry.setDaemon(true);
            this.retrying = retry;
            retry.start();
        }
    }

    /**
     * Subscribes with a new listener container; once subscribed, the client keeps the subscription across
     * reconnections. Returns the failure, or {@code null}.
     */
    private @Nullable RuntimeException subscribe() {
        RedisMessageListenerContainer created = new RedisMessageListenerContainer();
        created.setConnectionFactory(connectionFactory);
        // Messages only wake waiters: handle them on the client's thread, with no hop through an executor.
        created.setTaskExecutor(Runnable::run);
        created.setSubscriptionExecutor(daemonThreads());
        created.addMessageListener(this, new ChannelTopic(channel));
        created.afterPropertiesSet();
        try {
            created.start();
            this.container = created;
            return null;
        }
        catch (RuntimeException ex) {
            destroy(created);
            return ex;
        }
    }

    private void retry() {
        try {
            while (!closed) {
                Thread.sleep(RETRY_MILLIS);
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    RuntimeException failure = subscribe();
                    if (failure == null) {
                        logger.info("Backend redis: subscribed to release channel '{}'", channel);
                        return;
                    }
                    logger.debug("Backend redis: subscribing to release channel '{}' failed again", channel,
                            failure);
                }
            }
        }
        catch (InterruptedException ex) {
            // closed
        }
        finally {
            retrying = null;
        }
    }

    /** Whether the subscription is established. */
    boolean listening() {
        RedisMessageListenerContainer current = container;
        return current != null && current.isListening();
    }

    void await(String key, long observedVersion, long waitNanos) throws InterruptedException {
        Waiters waiters = waiting.compute(key, join);
        try {
            waiters.await(observedVersion, releasedRecently(key, observedVersion), waitNanos);
        }
        finally {
            waiting.computeIfPresent(key, leave);
        }
    }

    @Override
    public void onMessage(Message message, byte @Nullable [] pattern) {
        byte[] body = message.getBody();
        long version = 0;
        int i = 0;
        while (i < body.length && body[i] >= '0' && body[i] <= '9' && version < Long.MAX_VALUE / 10) {
            version = version * 10 + (body[i++] - '0');
        }
        if (i == 0 || i >= body.length || body[i] != ':') {
            logger.debug("Backend redis: ignoring a foreign message on release channel '{}'", channel);
            return;
        }
        String key = new String(body, i + 1, body.length - i - 1, StandardCharsets.UTF_8);
        recent.set(slot(key), new Release(key, version, System.nanoTime()));
        Waiters waiters = waiting.get(key);
        if (waiters != null) {
            waiters.released(version);
        }
    }

    /** How many threads wait for a release of the key: for tests. */
    int waiters(String key) {
        Waiters waiters = waiting.get(key);
        return waiters == null ? 0 : waiters.users;
    }

    /** The latest release of the key seen in the last moment, or 0: for tests. */
    long recentRelease(String key) {
        Release release = recent.get(slot(key));
        return release != null && release.key.equals(key) ? release.version : 0;
    }

    private boolean releasedRecently(String key, long observedVersion) {
        if (observedVersion <= 0) {
            // Nothing to compare with: only releases seen from now on count.
            return false;
        }
        Release release = recent.get(slot(key));
        return release != null && release.version > observedVersion && release.key.equals(key)
                && System.nanoTime() - release.received < RECENT_NANOS;
    }

    private static int slot(String key) {
        int hash = key.hashCode();
        return (hash ^ (hash >>> 16)) & (RECENT_SLOTS - 1);
    }

    @Override
    public void close() {
        Thread retry;
        synchronized (this) {
            closed = true;
            retry = retrying;
        }
        if (retry != null) {
            retry.interrupt();
        }
        RedisMessageListenerContainer current = container;
        if (current != null) {
            destroy(current);
        }
    }

    private void destroy(RedisMessageListenerContainer target) {
        try {
            target.destroy();
        }
        catch (Exception ex) {
            logger.debug("Backend redis: closing the subscription to '{}' failed", channel, ex);
        }
    }

    private static Executor daemonThreads() {
        return task -> {
            Thread thread = new Thread(task, "sherlock-redis-subscription-" + threads.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        };
    }

    private record Release(String key, long version, long received) {
    }

    /** The local waiters of one key; {@link #users} changes only inside the map's compute functions. */
    private static final class Waiters {

        volatile int users;

        private long highest;

        private long sequence;

        synchronized void released(long version) {
            highest = Math.max(highest, version);
            sequence++;
            notifyAll();
        }

        synchronized void await(long observedVersion, boolean alreadyReleased, long waitNanos)
                throws InterruptedException {
            if (alreadyReleased) {
                return;
            }
            long start = sequence;
            long deadline = System.nanoTime() + waitNanos;
            while (!(observedVersion > 0 ? highest > observedVersion : sequence != start)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }
}
