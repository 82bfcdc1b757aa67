package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.WaitOutcome;
import dev.sherlock.testserver.TestServers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Fair hand-off on a standalone redis-server: a release reserves the lock for the caller that has waited longest,
 * once it has waited past the starvation threshold, and only for a caller that still waits; the reservation is
 * short and never repeated for a waiter that does not come.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisFairnessTests {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static final Duration SOON = Duration.ofSeconds(5);

    /**
     * Longer than the backend's defaults, so that no outcome depends on how fast this machine runs a test: a pause
     * of the test thread under load must not end a reservation (or make a waiter starve) before the next step.
     */
    private static final Duration STARVATION = Duration.ofMillis(500);

    private static final Duration RESERVATION = Duration.ofSeconds(2);

    private static final List<LettuceConnectionFactory> factories = new ArrayList<>();

    private static RedisBackend backend;

    private static RedisBackend other;

    private final StringRedisTemplate raw = RedisTestSupport.raw();

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void startBackends() {
        backend = slowHandOff();
        other = slowHandOff();
    }

    /** A backend on its own connections to the shared redis-server, as another process has. */
    private static RedisBackend slowHandOff() {
        LettuceConnectionFactory factory = RedisTestSupport.factory(TestServers.redis());
        factories.add(factory);
        return RedisBackend.builder().connectionFactory(factory).handOff(STARVATION, RESERVATION).build();
    }

    @AfterAll
    static void closeBackends() {
        backend.close();
        other.close();
        factories.forEach(LettuceConnectionFactory::destroy);
    }

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String uniqueKey() {
        return "redis-fair-" + UUID.randomUUID();
    }

    /** Waits until a caller refused now counts as starving. */
    private static void starve() throws InterruptedException {
        Thread.sleep(STARVATION.plusMillis(100).toMillis());
    }

    @Test
    void aReleaseHandsTheLockToAStarvingWaiterBeforeAReleaserThatComesBackAtOnce() throws InterruptedException {
        String key = uniqueKey();
        long first = backend.tryAcquire(key, "holder-1", MINUTE).fencingToken();
        AcquireResult refused = other.tryAcquire(key, "waiter", MINUTE, SOON);
        assertThat(refused.inLine()).isTrue();
        starve();

        assertThat(backend.release(key, "holder-1")).isTrue();
        AcquireResult again = backend.tryAcquire(key, "holder-2", MINUTE, SOON);

        assertThat(again.acquired()).isFalse();
        assertThat(raw.opsForValue().get(key)).as("the waiter's, at once").isEqualTo("waiter");
        assertThat(raw.getExpire(key, TimeUnit.MILLISECONDS)).isPositive()
                .isLessThanOrEqualTo(RedisBackend.HAND_OVER_LIFETIME.toMillis());
        WaitOutcome handed = other.awaitRelease(key, "waiter", refused.observedVersion(), MINUTE);
        assertThat(handed.acquired()).isTrue();
        assertThat(handed.fencingToken()).isGreaterThan(first);
        assertThat(handed.validFor()).isEqualTo(RedisBackend.HAND_OVER_LIFETIME);
        assertThat(raw.opsForHash().hasKey(backend.waitingKey(key), "waiter")).as("out of the line").isFalse();
        AcquireResult resent = other.tryAcquire(key, "waiter", MINUTE, SOON);
        assertThat(resent.acquired()).as("an attempt of the same owner finds its lock").isTrue();
        assertThat(resent.fencingToken()).isEqualTo(handed.fencingToken());
    }

    @Test
    void aHandOverMadeBeforeTheWaitersLatestAttemptIsNotBelieved() throws InterruptedException {
        String key = uniqueKey();
        Duration shortExpire = Duration.ofMillis(300);
        assertThat(backend.tryAcquire(key, "holder", shortExpire).acquired()).isTrue();
        assertThat(other.tryAcquire(key, "waiter", shortExpire, SOON).inLine()).isTrue();
        // Served at the first release after it was refused.
        assertThat(backend.release(key, "holder")).isTrue();
        assertThat(raw.opsForValue().get(key)).as("handed over").isEqualTo("waiter");
        // The waiter does not look (a pause) until the hand-over has expired and somebody else took the lock.
        await().atMost(SOON).until(() -> !Boolean.TRUE.equals(raw.hasKey(key)));
        AcquireResult intruder = backend.tryAcquire(key, "intruder", MINUTE);
        assertThat(intruder.acquired()).isTrue();

        AcquireResult again = other.tryAcquire(key, "waiter", shortExpire, SOON);
        WaitOutcome outcome = other.awaitRelease(key, "waiter", again.observedVersion(), Duration.ofMillis(200));

        assertThat(again.acquired()).isFalse();
        assertThat(outcome.acquired()).as("the hand-over came before its latest attempt").isFalse();
        assertThat(raw.opsForValue().get(key)).isEqualTo("intruder");
    }

    @Test
    void aHandOverWithATokenNoLargerThanTheWaiterSawIsNotBelieved() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        AcquireResult refused = other.tryAcquire(key, "waiter", MINUTE, SOON);

        // Somebody who read the nonce from the waiting hash and may publish, but does not know the counter.
        publishHandOverToWaiter(key, 1, proof(nonceOf(key, "waiter"), "1", key));
        WaitOutcome outcome = other.awaitRelease(key, "waiter", refused.observedVersion(), Duration.ofMillis(200));

        assertThat(outcome.acquired()).isFalse();
        assertThat(raw.opsForValue().get(key)).isEqualTo("holder");
    }

    @Test
    void aHandOverCopiedWithAnotherTokenIsNotBelievedAndTheRealOneStands() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        AcquireResult refused = other.tryAcquire(key, "waiter", MINUTE, SOON);
        String nonce = nonceOf(key, "waiter");
        backend.release(key, "holder");
        String token = raw.opsForValue().get(backend.fenceKey(key));
        await().atMost(SOON).until(() -> other.notifications().recentRelease(key) == Long.parseLong(token));

        // What a subscriber could send after seeing the real hand-over: its proof, with a token of its choosing.
        long forged = Long.parseLong(token) + 1_000_000;
        publishHandOverToWaiter(key, forged, proof(nonce, token, key));
        WaitOutcome outcome = other.awaitRelease(key, "waiter", refused.observedVersion(), MINUTE);

        assertThat(outcome.acquired()).isTrue();
        assertThat(outcome.fencingToken()).isEqualTo(Long.parseLong(token));
    }

    @Test
    void aWaiterWhoseEntryHasAnUnusableHandOverLifetimeIsReservedForAndTheReleaseStillSucceeds() {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        other.tryAcquire(key, "waiter", MINUTE, SOON);
        // Tampered with, or written by another version: SET with PX 0 would fail the whole release.
        String entry = (String) raw.opsForHash().get(backend.waitingKey(key), "waiter");
        raw.opsForHash().put(backend.waitingKey(key), "waiter",
                entry.replaceFirst(":\\d+:(\\p{XDigit}+)$", ":0:$1"));

        assertThat(backend.release(key, "holder")).isTrue();

        assertThat(raw.hasKey(key)).as("released, not handed over").isFalse();
        assertThat(raw.opsForValue().get(backend.fenceKey(key))).contains(" !waiter:");
    }

    /**
     * Publishes a hand-over of {@code key} to "waiter" with this token and proof, as anybody allowed to publish on the
     * channel could, and waits until the waiter's backend has heard it.
     */
    private void publishHandOverToWaiter(String key, long token, String proof) {
        raw.convertAndSend(RedisBackend.DEFAULT_CHANNEL, token + "=waiter " + proof + " " + key);
        await().atMost(SOON).until(() -> other.notifications().recentRelease(key) == token);
    }

    /** The nonce of the caller's latest attempt, from its entry in the waiting hash. */
    private String nonceOf(String key, String owner) {
        String entry = (String) raw.opsForHash().get(backend.waitingKey(key), owner);
        return entry.substring(entry.lastIndexOf(':') + 1);
    }

    /** A hand-over's proof, as the release script computes it. */
    private static String proof(String nonce, String token, String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest((nonce + " " + token + " " + key).getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void aReleaseReservesALockThatNeverExpiresForAStarvingWaiterBeforeAReleaserThatComesBackAtOnce()
            throws InterruptedException {
        String key = uniqueKey();
        long first = backend.tryAcquire(key, "holder-1", MINUTE).fencingToken();
        AcquireResult refused = other.tryAcquire(key, "waiter", null, SOON);
        assertThat(refused.inLine()).as("never handed a lock that never expires").isFalse();
        starve();

        assertThat(backend.release(key, "holder-1")).isTrue();
        AcquireResult again = backend.tryAcquire(key, "holder-2", MINUTE, SOON);

        assertThat(again.acquired()).isFalse();
        assertThat(again.holderRemaining()).isPositive().isLessThanOrEqualTo(RESERVATION);
        assertThat(raw.hasKey(key)).as("reserved, not held").isFalse();
        AcquireResult served = other.tryAcquire(key, "waiter", null, SOON);
        assertThat(served.acquired()).isTrue();
        assertThat(served.fencingToken()).isGreaterThan(first);
        assertThat(raw.opsForValue().get(key)).isEqualTo("waiter");
    }

    @Test
    void aLockHandedToOneWaiterLetsTheOtherWaitersWaitOnWithoutAnAttempt() throws InterruptedException {
        String key = uniqueKey();
        AcquireResult starving = starvingThenLate(key, MINUTE);

        WaitOutcome lateWait = backend.awaitRelease(key, "late", starving.observedVersion(), MINUTE);
        assertThat(lateWait.mayBeFree()).as("handed to another: an attempt would be refused").isFalse();
        assertThat(lateWait.acquired()).isFalse();
        assertThat(lateWait.observedVersion()).isGreaterThan(starving.observedVersion());
        assertThat(other.awaitRelease(key, "starving", starving.observedVersion(), MINUTE).acquired()).isTrue();

        lateIsNextInLine(key, lateWait);
    }

    @Test
    void aReleaseReservedForOneWaiterLetsTheOtherWaitersWaitOnWithoutAnAttempt() throws InterruptedException {
        String key = uniqueKey();
        AcquireResult starving = starvingThenLate(key, null);

        WaitOutcome lateWait = backend.awaitRelease(key, "late", starving.observedVersion(), MINUTE);
        assertThat(lateWait.mayBeFree()).as("reserved for another: an attempt would be refused").isFalse();
        assertThat(lateWait.holderRemaining()).isPositive().isLessThanOrEqualTo(RESERVATION);
        assertThat(lateWait.observedVersion()).isGreaterThan(starving.observedVersion());
        assertThat(other.awaitRelease(key, "starving", starving.observedVersion(), MINUTE).mayBeFree()).isTrue();
        assertThat(other.tryAcquire(key, "starving", null, SOON).acquired()).isTrue();

        lateIsNextInLine(key, lateWait);
    }

    /**
     * "holder" takes the lock; "starving", waiting on {@code other} for a lock of {@code starvingExpire} (handed over,
     * or reserved if it never expires), starves; "late", on {@code backend}, is refused; then "holder" releases.
     * @return the starving waiter's failed attempt (the late one saw the same counter)
     */
    private AcquireResult starvingThenLate(String key, @Nullable Duration starvingExpire) throws InterruptedException {
        backend.tryAcquire(key, "holder", MINUTE);
        AcquireResult starving = other.tryAcquire(key, "starving", starvingExpire, SOON);
        starve();
        AcquireResult late = backend.tryAcquire(key, "late", MINUTE, SOON);
        assertThat(late.acquired()).isFalse();
        assertThat(late.observedVersion()).isEqualTo(starving.observedVersion());
        backend.release(key, "holder");
        return starving;
    }

    /** The served "starving" releases, and "late", next in line, is handed the lock. */
    private void lateIsNextInLine(String key, WaitOutcome lateWait) throws InterruptedException {
        other.release(key, "starving");
        assertThat(backend.awaitRelease(key, "late", lateWait.observedVersion(), MINUTE).acquired())
                .as("next in line, handed the lock at the served waiter's release").isTrue();
        assertThat(raw.opsForValue().get(key)).isEqualTo("late");
    }

    @Test
    void aWaiterToldToWaitForAnothersReservationTriesAgainWhenItEnds() throws InterruptedException {
        RedisBackend quick = RedisBackend.builder().connectionFactory(factories.get(0))
                .handOff(STARVATION, Duration.ofMillis(300)).build();
        try {
            String key = uniqueKey();
            quick.tryAcquire(key, "holder", MINUTE);
            quick.tryAcquire(key, "gone", MINUTE, SOON);
            starve();
            AcquireResult late = quick.tryAcquire(key, "late", MINUTE, SOON);

            quick.release(key, "holder");
            WaitOutcome lateWait = quick.awaitRelease(key, "late", late.observedVersion(), MINUTE);
            assertThat(lateWait.mayBeFree()).isFalse();
            // The reserved waiter never comes: once the reservation ends, an attempt is answered, not another wait.
            Thread.sleep(lateWait.holderRemaining().plusMillis(50).toMillis());
            assertThat(quick.awaitRelease(key, "late", late.observedVersion(), Duration.ofMillis(1)).mayBeFree())
                    .isTrue();
            assertThat(quick.tryAcquire(key, "late", MINUTE, SOON).acquired()).isTrue();
        }
        finally {
            quick.close();
        }
    }

    @Test
    void starvingWaitersAreServedInTheOrderTheyCame() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        assertThat(other.tryAcquire(key, "first", MINUTE, SOON).acquired()).isFalse();
        Thread.sleep(5);
        assertThat(backend.tryAcquire(key, "second", MINUTE, SOON).acquired()).isFalse();
        assertThat(other.tryAcquire(key, "first", MINUTE, SOON).acquired()).as("a later attempt keeps its place")
                .isFalse();
        starve();

        backend.release(key, "holder");
        assertThat(backend.tryAcquire(key, "second", MINUTE, SOON).acquired()).isFalse();
        assertThat(other.tryAcquire(key, "first", MINUTE, SOON).acquired()).isTrue();
        starve();
        other.release(key, "first");
        assertThat(other.tryAcquire(key, "third", MINUTE, SOON).acquired()).isFalse();
        // Until it has seen that release, the backend would refuse "second" itself: its own release reserved the
        // lock for "first" two seconds long (as the server would, had "first" not been served already).
        seesLatestRelease(backend, key);
        assertThat(backend.tryAcquire(key, "second", MINUTE, SOON).acquired()).isTrue();
    }

    @Test
    void aReleaserRefusesItsOwnWaitingAttemptsWhileItsReleaseReservedTheLockForAnother() throws InterruptedException {
        String key = uniqueKey();
        releaseReservingFor(other, key);

        AcquireResult refused = backend.tryAcquire(key, "again", MINUTE, SOON);

        assertThat(refused.acquired()).isFalse();
        assertThat(refused.holderRemaining()).isPositive().isLessThanOrEqualTo(RESERVATION);
        assertThat(raw.opsForHash().hasKey(backend.waitingKey(key), "again")).as("refused without a request")
                .isFalse();
        assertThat(other.tryAcquire(key, "waiter", MINUTE, SOON).acquired()).isTrue();
    }

    @Test
    void aReleaseReservedForAWaiterOfTheSameBackendLetsThatWaiterIn() throws InterruptedException {
        String key = uniqueKey();
        releaseReservingFor(backend, key);

        assertThat(backend.tryAcquire(key, "waiter", MINUTE, SOON).acquired()).isTrue();
    }

    @Test
    void aReleaserAsksTheServerAgainOnceItHasSeenTheServedWaitersRelease() throws InterruptedException {
        String key = uniqueKey();
        releaseReservingFor(other, key);
        assertThat(other.tryAcquire(key, "waiter", MINUTE, SOON).acquired()).isTrue();

        other.release(key, "waiter");
        seesLatestRelease(backend, key);
        // A later message of an older version (another key in the same slot of the recent releases, or forged)
        // does not bring the reservation back.
        raw.convertAndSend(RedisBackend.DEFAULT_CHANNEL, "5:" + key);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.notifications().recentRelease(key) == 5);

        assertThat(backend.tryAcquire(key, "again", MINUTE, SOON).acquired())
                .as("within the two seconds its own release reserved, but served and released since").isTrue();
    }

    @Test
    void aReservationPublishedOnTheChannelNeverRefusesAnAttemptWithoutAsking() {
        String key = uniqueKey();
        // Anybody allowed to publish on the channel could send this; only the script's own answer is trusted.
        raw.convertAndSend(RedisBackend.DEFAULT_CHANNEL, "99999999999!someone " + key);
        await().atMost(Duration.ofSeconds(10)).until(() -> backend.notifications().recentRelease(key) > 0);

        assertThat(backend.tryAcquire(key, "caller", MINUTE, SOON).acquired()).isTrue();
    }

    /**
     * {@code backend} takes the lock and releases it once {@code waiters}' caller "waiter", refused meanwhile, has
     * starved: the release reserves the lock for "waiter", which waits for a lock that never expires, so it is not
     * handed the lock.
     */
    private static void releaseReservingFor(RedisBackend waiters, String key) throws InterruptedException {
        assertThat(backend.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        assertThat(waiters.tryAcquire(key, "waiter", null, SOON).acquired()).isFalse();
        starve();
        assertThat(backend.release(key, "holder")).isTrue();
    }

    /** Waits until {@code target} has been told of the key's latest release (the fence counter's version). */
    private void seesLatestRelease(RedisBackend target, String key) {
        long version = Long.parseLong(raw.opsForValue().get(target.fenceKey(key)).replaceFirst("\\D.*$", ""));
        await().atMost(Duration.ofSeconds(10)).until(() -> target.notifications().recentRelease(key) >= version);
    }

    @Test
    void aWaiterIsServedWithinTheStarvationTurnsHoweverFastTheOthersWere() {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder-0", MINUTE);
        assertThat(other.tryAcquire(key, "waiter", MINUTE, SOON).acquired()).isFalse();
        int turns = 0;
        boolean refused = false;
        while (!refused && turns < RedisBackend.STARVATION_TURNS) {
            backend.release(key, "holder-" + turns);
            turns++;
            refused = !backend.tryAcquire(key, "holder-" + turns, MINUTE).acquired();
        }

        assertThat(refused).as("refused within %s releases", RedisBackend.STARVATION_TURNS).isTrue();
        assertThat(other.tryAcquire(key, "waiter", MINUTE, SOON).acquired()).isTrue();
        other.release(key, "waiter");
        assertThat(raw.hasKey(backend.waitingKey(key))).as("nobody is left waiting").isFalse();
    }

    @Test
    void aCallerThatDoesNotWaitIsNeverServedFirst() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        assertThat(other.tryAcquire(key, "try-once", MINUTE).acquired()).isFalse();
        starve();

        backend.release(key, "holder");

        assertThat(backend.tryAcquire(key, "next", MINUTE).acquired()).isTrue();
        assertThat(raw.hasKey(backend.waitingKey(key))).as("the listener mark is cleared by the release").isFalse();
    }

    @Test
    void aWaiterPastItsPromiseToTryAgainIsNotServedAndIsForgotten() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        assertThat(other.tryAcquire(key, "gone", MINUTE, Duration.ofMillis(1)).acquired()).isFalse();
        Thread.sleep(RedisBackend.PROMISE_SLACK.plusSeconds(1).plusMillis(200).toMillis());

        backend.release(key, "holder");

        assertThat(backend.tryAcquire(key, "next", MINUTE).acquired()).isTrue();
        assertThat(raw.hasKey(backend.waitingKey(key))).isFalse();
    }

    @Test
    void aReservationForAWaiterThatNeverComesEndsAndIsNotMadeAgain() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder-1", MINUTE);
        assertThat(other.tryAcquire(key, "vanishing", MINUTE, SOON).acquired()).isFalse();
        starve();
        backend.release(key, "holder-1");
        assertThat(backend.tryAcquire(key, "holder-2", MINUTE).acquired()).isFalse();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> backend.tryAcquire(key, "holder-2", MINUTE).acquired());
        starve();
        backend.release(key, "holder-2");

        assertThat(backend.tryAcquire(key, "holder-3", MINUTE).acquired()).isTrue();
    }

    @Test
    void aWaiterThatCameTooLateKeepsItsPlaceAndIsServedAtTheNextRelease() throws InterruptedException {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder-1", MINUTE);
        assertThat(other.tryAcquire(key, "slow", MINUTE, SOON).acquired()).isFalse();
        starve();
        backend.release(key, "holder-1");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                .until(() -> backend.tryAcquire(key, "holder-2", MINUTE).acquired());
        assertThat(other.tryAcquire(key, "slow", MINUTE, SOON).acquired()).as("too late").isFalse();
        starve();

        backend.release(key, "holder-2");

        assertThat(backend.tryAcquire(key, "holder-3", MINUTE, SOON).acquired()).isFalse();
        assertThat(other.tryAcquire(key, "slow", MINUTE, SOON).acquired()).isTrue();
    }

    @Test
    void aReservationNeverLastsLongerThanOneWhateverTheFenceSays() {
        String key = uniqueKey();
        backend.tryAcquire(key, "holder", MINUTE);
        backend.release(key, "holder");
        String fence = raw.opsForValue().get(backend.fenceKey(key));
        // As if the server clock had stepped back a day after the release reserved the lock.
        raw.opsForValue().set(backend.fenceKey(key), fence.replaceFirst("^(\\d+)", "$1 !someone:" + (System
                .currentTimeMillis() + Duration.ofDays(1).toMillis())));

        AcquireResult refused = backend.tryAcquire(key, "next", MINUTE);

        assertThat(refused.acquired()).isFalse();
        assertThat(refused.holderRemaining()).isLessThanOrEqualTo(RESERVATION);
    }

    @Test
    void ownerTokensThatWouldReadAsTheBackendsOwnMarksAreRefused() {
        for (String owner : new String[] {"!x:99999999999999", "*", "#", "two words", ""}) {
            assertThatThrownBy(() -> backend.tryAcquire(uniqueKey(), owner, MINUTE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not usable on Redis");
        }
    }

    @Test
    void aReleaseRunTwiceReservesOnce() throws InterruptedException {
        String key = uniqueKey();
        String fence = releaseTwiceWithTwoWaiters(key, null);

        assertThat(raw.opsForValue().get(backend.fenceKey(key))).isEqualTo(fence).contains(" !first:");
        assertThat(raw.opsForHash().keys(backend.waitingKey(key))).containsExactlyInAnyOrder("first", "second", "#");
    }

    @Test
    void aReleaseRunTwiceHandsTheLockOverOnce() throws InterruptedException {
        String key = uniqueKey();
        String fence = releaseTwiceWithTwoWaiters(key, MINUTE);

        assertThat(raw.opsForValue().get(key)).isEqualTo("first");
        assertThat(raw.opsForValue().get(backend.fenceKey(key))).isEqualTo(fence).doesNotContain(" ");
        assertThat(raw.opsForHash().keys(backend.waitingKey(key))).containsExactlyInAnyOrder("second", "#");
    }

    /**
     * "holder" takes the lock, "first" and "second" wait for one of {@code waiterExpire} (handed over, or reserved if
     * it never expires), and "holder" releases, then its release runs again.
     * @return the fence after the first release
     */
    private String releaseTwiceWithTwoWaiters(String key, @Nullable Duration waiterExpire)
            throws InterruptedException {
        backend.tryAcquire(key, "holder", MINUTE);
        assertThat(other.tryAcquire(key, "first", waiterExpire, SOON).acquired()).isFalse();
        assertThat(other.tryAcquire(key, "second", waiterExpire, SOON).acquired()).isFalse();
        starve();
        backend.release(key, "holder");
        String fence = raw.opsForValue().get(backend.fenceKey(key));
        assertThat(backend.release(key, "holder")).as("a resent release answers that it released").isTrue();
        return fence;
    }

    @Test
    void aLockWaitingThroughTheApiIsServedBeforeItsHolderComesBack() throws Exception {
        String name = uniqueKey();
        LockSettings settings = LockSettings.defaults().withExpire(MINUTE).withTimeout(MINUTE)
                .withRetryInterval(Duration.ofHours(1));
        RedisLock holder = new RedisLock(name, backend, null, settings);
        holder.acquire();
        long first = holder.fencingToken();
        CountDownLatch mayRelease = new CountDownLatch(1);
        // The waiter keeps the lock until told, so the holder's attempt below cannot win merely because the waiter
        // was quick enough to take and give back the lock first.
        Future<Long> waiter = executor.submit(() -> {
            RedisLock lock = new RedisLock(name, other, null, settings);
            assertThat(lock.tryAcquire(MINUTE)).isTrue();
            long token = lock.fencingToken();
            mayRelease.await();
            lock.release();
            return token;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> raw.opsForHash().size(backend.waitingKey(name)) == 1);
        starve();

        holder.release();

        assertThat(holder.tryAcquire(Duration.ZERO)).as("reserved for the waiter").isFalse();
        mayRelease.countDown();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isGreaterThan(first);
        assertThat(holder.tryAcquire(MINUTE)).isTrue();
        holder.release();
    }
}
