package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;

/**
 * Locks on Redis through Spring Data Redis, for standalone, Sentinel and Cluster connection factories.
 *
 * <p><b>Layout.</b> A lock is the key {@code <namespace>_<name>} (just {@code <name>} without a namespace) whose value
 * is the holder's owner token and whose TTL is the lock's expiry: py-sherlock 0.4.1's layout, so Python and Java
 * services sharing a Redis exclude each other. A lock that never expires has no TTL at all. The fencing counter,
 * the waiting hash and the list of the last releases live in separate keys in the same cluster slot
 * ({@link #fenceKey(String)}, {@link #waitingKey(String)}, {@link #releasedKey(String)}).
 *
 * <p><b>Atomicity.</b> Every change is one Lua script: acquire is set-if-absent with a millisecond TTL plus the
 * fencing counter update; release and renew act only if the key still holds the caller's owner token, so a holder
 * whose lock expired and was taken over never deletes or extends the new holder's lock. An uncontended acquire and
 * release cost one round trip each.
 *
 * <p><b>Requests run twice.</b> Lettuce resends a command that was in flight when its connection closed, and the core
 * retries a failed attempt with the same owner token, so a script may run twice for one call. An acquire that finds
 * the lock holding its own owner token is acquired, with the token the first run drew and the TTL restarted; a
 * release that finds its owner among the last 8 releasers, which the released key remembers, answers that it
 * released. Recognising them costs no command on the uncontended path.
 *
 * <p><b>Fencing.</b> The next token is {@code max(counter + 1, server TIME in microseconds)}: strictly increasing
 * across release and re-acquire, and even across a restart of a Redis without persistence (as long as the server
 * clock does not go back). A release that finds somebody waiting bumps the counter too, which lets waiters tell a new
 * release from an old one.
 * The counter expires {@code fencingRetention} after the lock's last use; later tokens then come from the clock.
 *
 * <p><b>Hand-off.</b> A failed attempt marks the lock as awaited; the release of an awaited lock publishes a message
 * on one channel (an uncontended release publishes nothing); each backend keeps ONE subscription and wakes its local
 * waiters at once. Waiters still poll at their retry interval and never sleep past the holder's TTL, so a lost
 * message, a lock that simply expires or a py-sherlock holder (which publishes nothing) never stalls them.
 *
 * <p><b>Fairness.</b> Waiting callers are served first come, first served: a failed attempt puts the caller in line,
 * and a release that finds a waiter in line who was refused before an earlier release (or 10 ms ago), and is still
 * within its promise to try again, hands the lock to the one refused longest ago: the script sets the lock to that
 * waiter's owner token, with a new fencing token and a lifetime of at most {@link #HAND_OVER_LIFETIME}, and publishes
 * it with a SHA-1 of the waiter's random nonce, the token and the key, so that waiter's backend, the only one that can
 * check it, returns the lock to it without another request. A waiter that gives up releases its owner, which takes it
 * out of the line and gives back a lock handed over in that instant. A lock that never expires is never handed over:
 * its release reserves it for the chosen waiter for 50 ms (everyone else is refused as if it were held) and the waiter
 * takes it with an attempt; the release's answer names that waiter, so this backend refuses its own waiting callers'
 * attempts meanwhile without sending them. Only callers that wait and promised to try again soon are served, so a
 * waiter that went away costs the others at most one hand-over lifetime or reservation. Details in {@link RedisScripts}
 * and {@code docs/redis.md}.
 *
 * <p>Create one backend per application and {@link #close()} it on shutdown (it closes its subscription; the
 * connection factory belongs to the application and stays open). Instances are thread-safe.
 *
 * @since 0.1.0
 */
public final class RedisBackend implements LockBackend {

    /** Channel on which releases are published unless configured otherwise. */
    public static final String DEFAULT_CHANNEL = "sherlock:releases";

    /** How long a fencing counter outlives the last use of its lock unless configured otherwise. */
    public static final Duration DEFAULT_FENCING_RETENTION = Duration.ofDays(1);

    /** Longest accepted fencing retention: beyond it millisecond TTLs would overflow. */
    private static final Duration MAX_RETENTION = Duration.ofDays(365L * 100);

    private static final long MILLI_NANOS = Duration.ofMillis(1).toNanos();

    private static final byte[] NEVER = {'0'};

    private static final byte[] NO_CHANNEL = {};

    private static final byte[] NO_HAND_OVER = {};

    /** How long a waiter must have been refused before a release serves it first. */
    static final Duration STARVATION = Duration.ofMillis(10);

    /**
     * Or how many releases to others a waiter must have seen since it was first refused: one, so waiters in line are
     * served in the order they came (a hand-over costs no extra round trip, so letting the releaser barge gains
     * nothing).
     */
    static final int STARVATION_TURNS = 1;

    /**
     * How long a release keeps a lock that never expires for the waiter it chose (a lock that expires is handed over
     * instead); others are refused meanwhile.
     */
    static final Duration RESERVATION = Duration.ofMillis(50);

    /**
     * The longest a lock handed to a waiter lives before the waiter renews it (its expiry, if shorter): what a waiter
     * that died in line just before the hand-over costs the others at most.
     */
    static final Duration HAND_OVER_LIFETIME = Duration.ofSeconds(2);

    /** Added to a waiter's promise to try again, for the time its next attempt takes to arrive. */
    static final Duration PROMISE_SLACK = Duration.ofMillis(100);

    private static final byte[] LISTENER = bytes(RedisScripts.LISTENER);

    private static final byte[] STARVATION_RELEASES = bytes(Integer.toString(STARVATION_TURNS));

    private static final byte[] REMEMBERED_RELEASES = bytes(Integer.toString(RedisScripts.REMEMBERED_RELEASES));

    private final RedisConnectionFactory connectionFactory;

    private final ScriptRunner scripts;

    private final @Nullable ReleaseNotifications notifications;

    private final byte[] channel;

    private final @Nullable Duration fencingRetention;

    /** The counter's TTL after a release. */
    private final byte[] releasedCounterTtl;

    /** {@link #STARVATION} and {@link #RESERVATION} in milliseconds, unless a test set others. */
    private final byte[] starvationMillis;

    private final byte[] reservationMillis;

    private final long reservationNanos;

    private RedisBackend(Builder builder, RedisConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
        this.scripts = new ScriptRunner(connectionFactory);
        this.fencingRetention = builder.fencingRetention;
        this.releasedCounterTtl = millis(fencingRetention);
        this.starvationMillis = bytes(Long.toString(builder.starvation.toMillis()));
        this.reservationMillis = bytes(Long.toString(builder.reservation.toMillis()));
        this.reservationNanos = builder.reservation.toNanos();
        this.channel = builder.notifications ? builder.channel.getBytes(StandardCharsets.UTF_8) : NO_CHANNEL;
        this.notifications = builder.notifications
                ? new ReleaseNotifications(connectionFactory, builder.channel, builder.reservation) : null;
    }

    /**
     * Creates a backend with release notifications on the default channel and the default fencing retention.
     * @param connectionFactory the application's connection factory (standalone, Sentinel or Cluster); it must be
     *     started, and stays owned by the caller
     * @return the backend; close it on shutdown
     */
    public static RedisBackend of(RedisConnectionFactory connectionFactory) {
        return builder().connectionFactory(connectionFactory).build();
    }

    /**
     * Starts configuring a backend: give it the application's connection factory.
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "redis";
    }

    /**
     * py-sherlock's key: {@code <namespace>_<name>}, or {@code <name>} without a namespace.
     *
     * <p>As in py-sherlock, ({@code "a_b"}, {@code "c"}) and ({@code "a"}, {@code "b_c"}) share a key; names within
     * one namespace never do.
     *
     * @throws IllegalArgumentException if the key would start with <code>sherlock:&#123;</code>, the prefix of the
     *     backend's own keys (fencing counters, waiting marks), which a lock must never touch
     */
    @Override
    public String key(@Nullable String namespace, String name) {
        return RedisKeys.lockKey(namespace, name);
    }

    /**
     * The key of the fencing counter of a lock key; it is in the same Redis Cluster slot as the lock key.
     * @param key a lock key from {@link #key(String, String)}
     * @return the counter's key, {@code sherlock:{<tag>}:fence:<key>}
     */
    public String fenceKey(String key) {
        return RedisKeys.fenceKey(key);
    }

    /**
     * The key of the lock's waiting hash: the callers in line for it and the mark of those who only listen; a
     * release publishes only when it is not empty. It is in the same Redis Cluster slot as the lock key.
     * @param key a lock key from {@link #key(String, String)}
     * @return the waiting hash's key, {@code sherlock:{<tag>}:waiters:<key>}
     */
    public String waitingKey(String key) {
        return RedisKeys.waitingKey(key);
    }

    /**
     * The key of the list of the owner tokens of the lock's last 8 releases, newest first, by which a release run
     * twice is recognised. It is in the same Redis Cluster slot as the lock key.
     * @param key a lock key from {@link #key(String, String)}
     * @return the list's key, {@code sherlock:{<tag>}:released:<key>}
     */
    public String releasedKey(String key) {
        return RedisKeys.releasedKey(key);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        return acquire(key, owner, expire, notifications == null ? NO_CHANNEL : LISTENER, NO_HAND_OVER);
    }

    /**
     * As {@link #tryAcquire(String, String, Duration)}, and with notifications on, a failed attempt also puts the
     * caller in line: the release that finds it waiting longest, for at least {@link #STARVATION} or
     * {@link #STARVATION_TURNS} releases to others, and still within its promise to try again (plus
     * {@link #PROMISE_SLACK}), hands it the lock ({@link AcquireResult#inLine}), or, for a lock that never expires,
     * reserves the lock for it for {@link #RESERVATION}.
     */
    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire,
            Duration nextAttemptWithin) {
        if (notifications == null) {
            return tryAcquire(key, owner, expire);
        }
        checkOwner(owner);
        ReleaseNotifications.Reservation reserved = notifications.ownReservationForAnother(key, owner);
        if (reserved != null) {
            // This backend's release reserved the lock for another waiter a moment ago: the server would refuse too.
            // Not an attempt the server saw: a hand-over made for an earlier one is no longer believed (the core
            // would count its lifetime from now), and the next attempt finds the lock if it was handed over.
            notifications.leaveLine(owner);
            return AcquireResult.held(Duration.ofNanos(reserved.until() - System.nanoTime()), reserved.version());
        }
        Duration promise = nextAttemptWithin.plus(PROMISE_SLACK);
        byte[] handOver = NO_HAND_OVER;
        if (expire != null && notifications.listening()) {
            // A lock that never expires is never handed over (a waiter that died in line would keep it for ever), nor
            // one whose hand-over this backend would not hear of.
            Duration lifetime = expire.compareTo(HAND_OVER_LIFETIME) < 0 ? expire : HAND_OVER_LIFETIME;
            String nonce = notifications.enterLine(key, owner, System.nanoTime() + promise.toNanos(), lifetime);
            handOver = bytes(":" + toMillis(lifetime) + ":" + nonce);
        }
        AcquireResult result = acquire(key, owner, expire, bytes(Long.toString(toMillis(promise))), handOver);
        if (result.acquired() || handOver == NO_HAND_OVER) {
            notifications.leaveLine(owner);
            return result;
        }
        return AcquireResult.inLine(result.holderRemaining(), result.observedVersion());
    }

    private AcquireResult acquire(String key, String owner, @Nullable Duration expire, byte[] caller,
            byte[] handOver) {
        checkOwner(owner);
        List<?> result = scripts.eval("acquire", RedisScripts.acquire, ReturnType.MULTI, key, bytes(owner),
                millis(expire), counterTtl(expire), caller, reservationMillis, handOver);
        if (((Number) result.get(0)).longValue() == 1) {
            return AcquireResult.acquired(token(result.get(1)));
        }
        long remaining = ((Number) result.get(1)).longValue();
        return AcquireResult.held(remaining >= 0 ? Duration.ofMillis(remaining) : null,
                ((Number) result.get(2)).longValue());
    }

    private static String text(Object answer) {
        return answer instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(answer);
    }

    /** A fencing token as the acquire script answers it: the counter's text for a new one, a number otherwise. */
    private static long token(Object answer) {
        if (answer instanceof Number number) {
            return number.longValue();
        }
        return Long.parseLong(answer instanceof byte[] text ? new String(text, StandardCharsets.US_ASCII)
                : answer.toString());
    }

    /**
     * Owner tokens share the fence value and the waiting hash with the backend's own marks: no whitespace, no leading
     * {@code !}, not {@code *} or {@code #}. The core's tokens never are; a direct SPI caller's is refused.
     */
    private static void checkOwner(String owner) {
        if (owner.isEmpty() || owner.charAt(0) == '!' || owner.equals(RedisScripts.LISTENER) || owner.equals("#")
                || owner.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("owner token '" + owner + "' is not usable on Redis: it must be"
                    + " non-empty, without whitespace, not start with '!' and not be '*' or '#'");
        }
    }

    /**
     * Deletes the lock if {@code owner} holds it; a release that reserves it for a starving waiter also tells this
     * backend, whose waiting callers' attempts are then refused here, without a request, until that waiter's turn
     * is over ({@link ReleaseNotifications#ownReservationForAnother}).
     */
    @Override
    public boolean release(String key, String owner) {
        if (notifications != null) {
            notifications.leaveLine(owner);
        }
        long sent = System.nanoTime();
        List<?> answer = scripts.eval("release", RedisScripts.release, ReturnType.MULTI, key, bytes(owner), channel,
                releasedCounterTtl, REMEMBERED_RELEASES, starvationMillis, reservationMillis, STARVATION_RELEASES);
        if (answer == null || answer.isEmpty() || !(answer.get(0) instanceof Number released)
                || released.longValue() != 1) {
            return false;
        }
        if (answer.size() == 3 && notifications != null) {
            // Counted from when the release was sent, less the millisecond the server's clock rounds away: the
            // server's reservation, which began later, outlasts it.
            notifications.reservedByOwnRelease(key, token(answer.get(1)), text(answer.get(2)),
                    sent + reservationNanos - MILLI_NANOS);
        }
        return true;
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        Long renewed = scripts.eval("renew", RedisScripts.renew, ReturnType.INTEGER, key, bytes(owner), millis(expire),
                counterTtl(expire));
        return renewed != null && renewed == 1;
    }

    /** Renews the locks with one pipelined script call each: one round trip for the batch with Lettuce. */
    @Override
    public List<Boolean> renewAll(List<HeldKey> held) {
        List<String> keys = new ArrayList<>(held.size());
        List<byte[][]> args = new ArrayList<>(held.size());
        for (HeldKey lock : held) {
            keys.add(lock.key());
            args.add(new byte[][] {bytes(lock.owner()), millis(lock.expire()), counterTtl(lock.expire())});
        }
        List<@Nullable Object> answers = scripts.evalAll("renew", RedisScripts.renew, ReturnType.INTEGER, keys, args);
        List<Boolean> renewed = new ArrayList<>(answers.size());
        for (Object answer : answers) {
            renewed.add(answer instanceof Long value && value == 1);
        }
        return renewed;
    }

    /**
     * {@code true} with Lettuce's shared connection to a standalone or Sentinel-managed server: the batch is pipelined
     * on that connection to the one server that answers in order anyway. {@code false} on a cluster (a batch spans
     * nodes, one slow node would hold up the others), with a connection of its own for each call (one stalled
     * connection would hold up the whole batch), and with other clients, which send the scripts one by one.
     */
    @Override
    public boolean renewsInBatches() {
        return scripts.pipelinesToOneServer();
    }

    /**
     * Checks that Redis accepts this backend: authentication, and the ACL permissions locks need (the scripts, the
     * lock key and its companions, the release channel), with one script that reads a probe lock's keys and
     * publishes an empty message on the release channel, which subscribers ignore. It changes no key.
     * @throws LockConfigurationException if Redis refuses (authentication required or failed, a permission
     *     missing), naming the server and what was refused; a server that does not answer within 5 s is logged as
     *     a warning
     * @since 0.2.0
     */
    @Override
    public void checkAccess(@Nullable String namespace) {
        String key = key(namespace, RedisAccess.PROBE_NAME);
        RedisAccess.check(() -> scripts.eval("check", RedisScripts.probe, ReturnType.INTEGER, key, channel),
                connectionFactory, key);
    }

    @Override
    public boolean isLocked(String key) {
        return StoreException.guard("redis", "exists", key, () -> {
            try (RedisConnection connection = connectionFactory.getConnection()) {
                return Boolean.TRUE.equals(connection.keyCommands().exists(bytes(key)));
            }
        });
    }

    /**
     * Waits for a release notification of {@code key} newer than {@code observedVersion}, or {@code maxWait}; with
     * notifications switched off, simply sleeps for {@code maxWait}.
     */
    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        if (notifications == null) {
            return LockBackend.super.awaitRelease(key, observedVersion, maxWait);
        }
        // A timeout is no proof the lock is still held (a client without notifications may have released it).
        notifications.await(key, observedVersion, maxWait);
        return WaitOutcome.tryAgain();
    }

    /**
     * As {@link #awaitRelease(String, long, Duration)}, and answers {@link WaitOutcome#acquired} when a release handed
     * the lock to {@code owner} (a notification proved with the nonce of its latest attempt). A release that reserved
     * the lock for another waiter is answered "still held" until the reservation ends ({@link #RESERVATION}, counted
     * from when its notification came, so never before the server ends it), since the server would refuse this caller's
     * attempt meanwhile; a lock handed to another waiter is answered "still held" until this caller's promise to try
     * again ends, so it stays in line, or "try again" at once if it is not in line yet.
     */
    @Override
    public WaitOutcome awaitRelease(String key, String owner, long observedVersion, Duration maxWait)
            throws InterruptedException {
        if (notifications == null) {
            return awaitRelease(key, observedVersion, maxWait);
        }
        WaitOutcome handedOver = handedOver(key, owner, observedVersion);
        if (handedOver != null) {
            // It came before the wait began.
            return handedOver;
        }
        boolean released = notifications.await(key, observedVersion, maxWait);
        handedOver = handedOver(key, owner, observedVersion);
        if (handedOver != null) {
            return handedOver;
        }
        if (!released) {
            return WaitOutcome.tryAgain();
        }
        ReleaseNotifications.Reservation reserved = notifications.reservedForAnother(key, owner, observedVersion);
        if (reserved == null) {
            return WaitOutcome.tryAgain();
        }
        long until = reserved.until();
        if (reserved.handedOver()) {
            // Held by the waiter it was handed to: a caller in line waits for its release, but tries again as it
            // promised, so the next release still finds it in line; a caller not in line tries now, to get in line.
            OptionalLong promise = notifications.promiseEnds(key, owner);
            long promised = promise.orElse(0) - PROMISE_SLACK.toNanos();
            if (promise.isEmpty() || promised - System.nanoTime() <= 0) {
                return WaitOutcome.tryAgain();
            }
            until = promised - until < 0 ? promised : until;
        }
        return WaitOutcome.stillHeld(Duration.ofNanos(Math.max(0, until - System.nanoTime())), reserved.version());
    }

    /** The lock a release handed to {@code owner}, if it did; its token is larger than what the caller saw. */
    private @Nullable WaitOutcome handedOver(String key, String owner, long observedVersion) {
        ReleaseNotifications.HandOver handOver = notifications.handedTo(key, owner);
        return handOver != null && handOver.token() > observedVersion
                ? WaitOutcome.acquired(handOver.token(), handOver.lifetime()) : null;
    }

    /** The release notifications, or {@code null} when switched off. */
    @Nullable ReleaseNotifications notifications() {
        return notifications;
    }

    /**
     * Closes the release subscription. The connection factory is left open: it belongs to the application.
     */
    @Override
    public void close() {
        if (notifications != null) {
            notifications.close();
        }
    }

    /** The counter outlives the lock by the retention; it is kept while a never-expiring lock is held. */
    private byte[] counterTtl(@Nullable Duration expire) {
        if (expire == null || fencingRetention == null) {
            return NEVER;
        }
        return bytes(Long.toString(toMillis(expire) + toMillis(fencingRetention)));
    }

    private static byte[] millis(@Nullable Duration duration) {
        return duration == null ? NEVER : bytes(Long.toString(toMillis(duration)));
    }

    /** Redis counts in whole milliseconds: round up, so a lock never lives shorter than asked. */
    private static long toMillis(Duration duration) {
        long millis = duration.toMillis();
        return duration.minusMillis(millis).isZero() ? Math.max(1, millis) : millis + 1;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RedisBackend (" + connectionFactory.getClass().getSimpleName() + ", notifications "
                + (notifications == null ? "off" : "on") + ")";
    }

    /**
     * Configures a {@link RedisBackend}.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private @Nullable RedisConnectionFactory connectionFactory;

        private boolean notifications = true;

        private String channel = DEFAULT_CHANNEL;

        private @Nullable Duration fencingRetention = DEFAULT_FENCING_RETENTION;

        private Duration starvation = STARVATION;

        private Duration reservation = RESERVATION;

        private Builder() {
        }

        /**
         * Uses the application's connection factory (standalone, Sentinel or Cluster); it must be started, and stays
         * owned by the caller.
         * @param connectionFactory the connection factory
         * @return this builder
         */
        public Builder connectionFactory(RedisConnectionFactory connectionFactory) {
            this.connectionFactory = connectionFactory;
            return this;
        }

        /**
         * Switches release notifications on (the default) or off. Off, the backend opens no subscription and
         * waiters poll at their retry interval.
         * @param notifications whether to publish releases and subscribe to them
         * @return this builder
         */
        public Builder notifications(boolean notifications) {
            this.notifications = notifications;
            return this;
        }

        /**
         * Sets the channel releases are published on; every service sharing locks must use the same one.
         * @param channel the channel name, {@value RedisBackend#DEFAULT_CHANNEL} by default
         * @return this builder
         */
        public Builder channel(String channel) {
            if (channel == null || channel.isEmpty()) {
                throw new LockConfigurationException("Backend redis: 'channel' must not be empty");
            }
            this.channel = channel;
            return this;
        }

        /**
         * Sets how long a fencing counter is kept after the last use of its lock; afterwards the next token comes
         * from the server clock, still larger unless that clock went back.
         * @param fencingRetention the retention, positive; {@code null} keeps counters forever
         * @return this builder
         */
        public Builder fencingRetention(@Nullable Duration fencingRetention) {
            if (fencingRetention != null && (fencingRetention.isNegative() || fencingRetention.isZero()
                    || fencingRetention.compareTo(MAX_RETENTION) > 0)) {
                throw new LockConfigurationException("Backend redis: 'fencingRetention' must be positive and at most "
                        + MAX_RETENTION.toDays() + " days but was " + fencingRetention
                        + "; use null to keep counters forever");
            }
            this.fencingRetention = fencingRetention;
            return this;
        }

        /**
         * For tests whose outcome must not depend on the machine's speed: a longer starvation threshold and
         * reservation than {@link #STARVATION} and {@link #RESERVATION}. Every backend sharing a lock must use the
         * same values (an attempt caps a reservation at its own).
         */
        Builder handOff(Duration starvation, Duration reservation) {
            this.starvation = starvation;
            this.reservation = reservation;
            return this;
        }

        /**
         * Creates the backend; with notifications on, this subscribes to the channel.
         * @return the backend; close it on shutdown
         */
        public RedisBackend build() {
            if (connectionFactory == null) {
                throw new LockConfigurationException("Backend redis: 'connectionFactory' must be given");
            }
            return new RedisBackend(this, connectionFactory);
        }
    }
}
