package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import dev.sherlock.spi.DaemonThreads;
import dev.sherlock.spi.ReleaseSignals;
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
 * after the release, {@code <token>=<owner> <proof> <lock key>} when it handed the lock to the waiter {@code <owner>}
 * (believed only for this backend's caller in line whose latest attempt's nonce proves it), or
 * {@code <version>!<owner> <lock key>} when it
 * reserved the lock for the waiter {@code <owner>}.
 * Counters only grow, so a release whose version exceeds what a failed attempt observed happened after that attempt.
 * A release that arrives between the failed attempt and the start of the wait is found in a small table of recent
 * releases, so it is not missed; a lost message only costs the caller's bounded wait. The latest release of a key
 * that made a reservation is kept while the reservation may last, so the other waiters wait on instead of sending an
 * attempt the server would refuse.
 *
 * <p>Messages are handled on the client's own thread (they only wake waiters), so hand-off needs no thread switch
 * beyond the woken waiter.
 */
final class ReleaseNotifications implements MessageListener, AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(ReleaseNotifications.class);

    private static final DaemonThreads subscriptionThreads = new DaemonThreads("sherlock-redis-subscription");

    private static final DaemonThreads retryThreads = new DaemonThreads("sherlock-redis-subscribe");

    /** How long to wait between attempts to subscribe when the first one failed. */
    private static final long RETRY_MILLIS = 5_000;

    /** How long building the backend waits for the first attempt to subscribe before it goes on without. */
    private static final Duration SUBSCRIBE_WAIT = Duration.ofSeconds(2);

    private final RedisConnectionFactory connectionFactory;

    private final String channel;

    private final ReleaseSignals signals = new ReleaseSignals();

    /** Above this many kept reservations, the ended ones are dropped when another is kept. */
    private static final int RESERVATIONS_PRUNED_ABOVE = 256;

    /** The latest release of each key, if it made a reservation; replaced or dropped by the key's next release. */
    private final ConcurrentMap<String, Reservation> reservations = new ConcurrentHashMap<>();

    /** The reservations this backend's own releases made, while they may last; see {@link #reservedByOwnRelease}. */
    private final ConcurrentMap<String, Reservation> ownReservations = new ConcurrentHashMap<>();

    /** How long a reservation lasts, counted here from when its message arrives. */
    private final long reservationNanos;

    /** Above this many waiters in line, those past their promise are dropped when another enters. */
    private static final int IN_LINE_PRUNED_ABOVE = 256;

    /** This backend's waiting callers in line, by owner token, until they hold the lock or give up. */
    private final ConcurrentMap<String, InLine> inLine = new ConcurrentHashMap<>();

    private final SecureRandom random = new SecureRandom();

    /** Random bytes drawn ahead for nonces, so a waiting caller's attempt rarely waits for the random source. */
    private final byte[] nonces = new byte[512];

    /** How many bytes of {@link #nonces} are used; guarded by {@link #noncesLock}. */
    private int noncesUsed = nonces.length;

    private final ReentrantLock noncesLock = new ReentrantLock();

    private volatile @Nullable RedisMessageListenerContainer container;

    private volatile @Nullable Thread retrying;

    private volatile boolean closed;

    /** Counted down once the first attempt to subscribe has ended, either way. */
    private final CountDownLatch subscribed = new CountDownLatch(1);

    ReleaseNotifications(RedisConnectionFactory connectionFactory, String channel, Duration reservation) {
        this.connectionFactory = connectionFactory;
        this.channel = channel;
        this.reservationNanos = reservation.toNanos();
        // Subscribed on a thread of its own: a server that never answers would otherwise hold the backend's
        // construction (and the application's startup) for the client's command timeout, a minute by default.
        Thread subscriber = retryThreads.newThread(this::subscribeUntilDone);
        this.retrying = subscriber;
        subscriber.start();
        try {
            if (!subscribed.await(SUBSCRIBE_WAIT.toMillis(), TimeUnit.MILLISECONDS) && !closed) {
                logger.warn("Backend redis: release channel '{}' not subscribed within {} ms; waiters poll at their"
                        + " retry interval until the subscription is made", channel, SUBSCRIBE_WAIT.toMillis());
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Subscribes with a new listener container; once subscribed, the client keeps the subscription across
     * reconnections. Returns the failure, or {@code null} (also when closed meanwhile: the container is dropped).
     * Not under this object's monitor, so a subscription that hangs never holds up {@link #close()}.
     */
    private @Nullable RuntimeException subscribe() {
        RedisMessageListenerContainer created = new RedisMessageListenerContainer();
        created.setConnectionFactory(connectionFactory);
        // Messages only wake waiters: handle them on the client's thread, with no hop through an executor.
        created.setTaskExecutor(Runnable::run);
        created.setSubscriptionExecutor(subscriptionThreads::start);
        created.addMessageListener(this, new ChannelTopic(channel));
        created.afterPropertiesSet();
        try {
            created.start();
        }
        catch (RuntimeException ex) {
            destroy(created);
            return ex;
        }
        synchronized (this) {
            if (!closed) {
                this.container = created;
                return null;
            }
        }
        destroy(created);
        return null;
    }

    /** Subscribes, and after a failure tries again every {@value #RETRY_MILLIS} ms until it succeeds or is closed. */
    private void subscribeUntilDone() {
        boolean failed = false;
        try {
            while (!closed) {
                RuntimeException failure = subscribe();
                if (failure == null) {
                    subscribed.countDown();
                    if (failed) {
                        logger.info("Backend redis: subscribed to release channel '{}'", channel);
                    }
                    return;
                }
                if (!failed) {
                    logger.warn("Backend redis: cannot subscribe to release channel '{}' ({}); waiters poll at their"
                            + " retry interval until a retry every {} s succeeds", channel, failure.getMessage(),
                            RETRY_MILLIS / 1000);
                    failed = true;
                    subscribed.countDown();
                }
                else {
                    logger.debug("Backend redis: subscribing to release channel '{}' failed again", channel,
                            failure);
                }
                Thread.sleep(RETRY_MILLIS);
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

    /** Waits for a release of the key newer than {@code observedVersion}; {@code false} if the wait timed out. */
    boolean await(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        return signals.await(key, observedVersion, maxWait);
    }

    @Override
    public void onMessage(Message message, byte @Nullable [] pattern) {
        byte[] body = message.getBody();
        long version = 0;
        int i = 0;
        while (i < body.length && body[i] >= '0' && body[i] <= '9' && version < Long.MAX_VALUE / 10) {
            version = version * 10 + (body[i++] - '0');
        }
        if (i == 0 || i >= body.length || (body[i] != ':' && body[i] != '!' && body[i] != '=')) {
            logger.debug("Backend redis: ignoring a foreign message on release channel '{}'", channel);
            return;
        }
        if (body[i] == ':') {
            String key = new String(body, i + 1, body.length - i - 1, StandardCharsets.UTF_8);
            if (!reservations.isEmpty()) {
                reservations.remove(key);
            }
            releasedSinceOwn(key, version);
            signals.released(key, version);
            return;
        }
        int space = wordEnd(body, i + 1);
        if (space == i + 1 || space >= body.length) {
            logger.debug("Backend redis: ignoring a foreign message on release channel '{}'", channel);
            return;
        }
        String owner = new String(body, i + 1, space - i - 1, StandardCharsets.UTF_8);
        String proof = null;
        if (body[i] == '=') {
            // Handed over: <token>=<owner> <proof> <key>.
            int proofEnd = wordEnd(body, space + 1);
            if (proofEnd == space + 1 || proofEnd >= body.length) {
                logger.debug("Backend redis: ignoring a foreign message on release channel '{}'", channel);
                return;
            }
            proof = new String(body, space + 1, proofEnd - space - 1, StandardCharsets.US_ASCII);
            space = proofEnd;
        }
        String key = new String(body, space + 1, body.length - space - 1, StandardCharsets.UTF_8);
        long until = System.nanoTime() + reservationNanos;
        if (proof != null) {
            handedOver(key, owner, proof, new String(body, 0, i, StandardCharsets.US_ASCII), version);
            // Held by the waiter now, not merely reserved: the others wait for its release.
            until = System.nanoTime() + RedisBackend.HAND_OVER_LIFETIME.toNanos();
        }
        // Kept before the waiters are woken, so each of them finds it.
        reservations.put(key, new Reservation(version, owner, until, proof != null));
        releasedSinceOwn(key, version);
        pruneEnded(reservations);
        signals.released(key, version);
    }

    /** The index of the first space in {@code body} from {@code from}, or its length. */
    private static int wordEnd(byte[] body, int from) {
        int end = from;
        while (end < body.length && body[end] != ' ') {
            end++;
        }
        return end;
    }

    /**
     * Puts a waiting caller of this backend in line for the key before each of its attempts, until its promise to try
     * again ends ({@link System#nanoTime()}), and gives the nonce a release that hands it the lock must prove. Each
     * attempt has a nonce of its own and forgets a hand-over that came before it: a hand-over proved with this
     * attempt's nonce was made by a release that ran after the attempt reached the server, so the lock lives at least
     * from when the attempt was sent. The nonce is random and travels only in the attempt and in the caller's entry in
     * the waiting hash (while it waits); the hand-over carries a SHA-1 of it with the token and the key.
     */
    String enterLine(String key, String owner, long promiseEnds, Duration lifetime) {
        InLine entry = new InLine(key, nonce(), promiseEnds, lifetime);
        inLine.put(owner, entry);
        if (inLine.size() > IN_LINE_PRUNED_ABOVE) {
            long now = System.nanoTime();
            inLine.values().removeIf(waiter -> now - waiter.promiseEnds > RedisBackend.HAND_OVER_LIFETIME.toNanos());
        }
        return entry.nonce;
    }

    /**
     * When the promise of this backend's waiting caller {@code owner} to try again ends ({@link System#nanoTime()}),
     * if it is in line for {@code key}.
     */
    OptionalLong promiseEnds(String key, String owner) {
        InLine entry = inLine.get(owner);
        return entry != null && entry.key.equals(key) ? OptionalLong.of(entry.promiseEnds) : OptionalLong.empty();
    }

    /** Takes the owner out of the line: it holds the lock, or gave up. */
    void leaveLine(String owner) {
        if (!inLine.isEmpty()) {
            inLine.remove(owner);
        }
    }

    /**
     * The lock a release handed to {@code owner}, waiting for {@code key}, which then leaves the line; {@code null} if
     * none was handed over.
     */
    @Nullable HandOver handedTo(String key, String owner) {
        InLine entry = inLine.get(owner);
        if (entry == null || entry.token == 0 || !entry.key.equals(key)) {
            return null;
        }
        inLine.remove(owner, entry);
        return new HandOver(entry.token, entry.lifetime);
    }

    /**
     * A lock handed to a waiter.
     * @param token its fencing token
     * @param lifetime how long it lives from the hand-over, which came after the waiter's last attempt
     */
    record HandOver(long token, Duration lifetime) {
    }

    /**
     * Believes a hand-over of {@code key} to {@code owner} with token {@code tokenText} only if this backend's caller
     * {@code owner} waits for that key and {@code proof} is the SHA-1 of its latest attempt's nonce, the token and the
     * key, as only the release script could compute it (the nonce itself is never published).
     */
    private void handedOver(String key, String owner, String proof, String tokenText, long token) {
        InLine entry = inLine.get(owner);
        if (entry == null || !entry.key.equals(key)) {
            return;
        }
        byte[] expected = sha1Hex(entry.nonce + " " + tokenText + " " + key);
        if (!MessageDigest.isEqual(expected, proof.getBytes(StandardCharsets.US_ASCII))) {
            // Made for an earlier attempt of the caller (whose next attempt finds the lock if it is still its own),
            // or forged.
            logger.debug("Backend redis: ignoring a hand-over of lock key '{}' without the proof of the waiting"
                    + " caller's latest attempt", key);
            return;
        }
        entry.token = token;
    }

    /** The SHA-1 of the text's UTF-8 bytes in lower-case hexadecimal, as Redis's {@code redis.sha1hex} writes it. */
    private static byte[] sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).getBytes(StandardCharsets.US_ASCII);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-1, which every Java platform must offer, is missing", ex);
        }
    }

    /** 63 random bits, as 16 hexadecimal digits. */
    private String nonce() {
        long bits = 0;
        // A lock, not a monitor: a virtual thread that waits here for the random source does not pin its carrier.
        noncesLock.lock();
        try {
            if (noncesUsed == nonces.length) {
                random.nextBytes(nonces);
                noncesUsed = 0;
            }
            for (int i = 0; i < Long.BYTES; i++) {
                bits = bits << 8 | (nonces[noncesUsed] & 0xff);
                // Each byte serves once.
                nonces[noncesUsed++] = 0;
            }
        }
        finally {
            noncesLock.unlock();
        }
        return Long.toHexString(bits | Long.MIN_VALUE);
    }

    /** A waiting caller of this backend in line for a lock. */
    private static final class InLine {

        final String key;

        final String nonce;

        /** When its promise to try again ends, in {@link System#nanoTime()}. */
        final long promiseEnds;

        /** The token of the lock handed to it, once its hand-over came; 0 before. */
        volatile long token;

        /** How long a lock handed to it lives. */
        final Duration lifetime;

        InLine(String key, String nonce, long promiseEnds, Duration lifetime) {
            this.key = key;
            this.nonce = nonce;
            this.promiseEnds = promiseEnds;
            this.lifetime = lifetime;
        }
    }

    /**
     * The reservation the latest release of the key made, if that release is newer than {@code observedVersion}, the
     * reservation is for another owner than {@code owner} and it may still last.
     */
    @Nullable Reservation reservedForAnother(String key, String owner, long observedVersion) {
        Reservation reservation = reservations.get(key);
        if (reservation == null || reservation.version() <= observedVersion || reservation.owner().equals(owner)
                || reservation.until() - System.nanoTime() <= 0) {
            return null;
        }
        return reservation;
    }

    /**
     * Records that a release by this backend reserved the lock for the waiter {@code owner} until {@code until}, as
     * its answer said, unless a later release of the key was already seen. Unlike a message on the channel, which
     * anybody allowed to publish there could send, the answer comes from the script itself.
     */
    void reservedByOwnRelease(String key, long version, String owner, long until) {
        if (signals.recentRelease(key) > version) {
            // Its message came, and a later release after it, before this answer: it is over already.
            return;
        }
        ownReservations.merge(key, new Reservation(version, owner, until, false),
                (kept, made) -> kept.version() > made.version() ? kept : made);
        pruneEnded(ownReservations);
    }

    /** Drops the ended reservations of a table that holds more than {@value #RESERVATIONS_PRUNED_ABOVE}. */
    private static void pruneEnded(ConcurrentMap<String, Reservation> kept) {
        if (kept.size() > RESERVATIONS_PRUNED_ABOVE) {
            long now = System.nanoTime();
            kept.values().removeIf(reservation -> reservation.until() - now <= 0);
        }
    }

    /**
     * The reservation a release by this backend made for another waiter than {@code owner}, while it lasts and no
     * later release of the key was seen: the server would refuse {@code owner}'s attempt meanwhile.
     */
    @Nullable Reservation ownReservationForAnother(String key, String owner) {
        Reservation reservation = ownReservations.get(key);
        if (reservation == null) {
            return null;
        }
        if (reservation.until() - System.nanoTime() <= 0) {
            ownReservations.remove(key, reservation);
            return null;
        }
        return reservation.owner().equals(owner) ? null : reservation;
    }

    /**
     * Ends this backend's own reservation of the key on the message of a later release (a message with a forged
     * larger version can only end it early: the attempt then goes to the server).
     */
    private void releasedSinceOwn(String key, long version) {
        if (!ownReservations.isEmpty()) {
            ownReservations.computeIfPresent(key, (k, own) -> version > own.version() ? null : own);
        }
    }

    /**
     * A release that reserved the lock, or handed it over.
     * @param version the release's version
     * @param owner the waiter it reserved the lock for, or handed it to
     * @param until until when, in {@link System#nanoTime()}, the reservation may last; for a hand-over, how long the
     *     other waiters may wait for the new holder's release without an attempt
     * @param handedOver whether the lock was handed over
     */
    record Reservation(long version, String owner, long until, boolean handedOver) {
    }

    /** How many threads wait for a release of the key: for tests. */
    int waiters(String key) {
        return signals.waiters(key);
    }

    /** The latest release of the key seen in the last moment, or 0: for tests. */
    long recentRelease(String key) {
        return signals.recentRelease(key);
    }

    @Override
    public void close() {
        Thread retry;
        RedisMessageListenerContainer current;
        synchronized (this) {
            closed = true;
            retry = retrying;
            current = container;
        }
        if (retry != null) {
            retry.interrupt();
        }
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
}
