package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Waiters stand in line and a release hands the lock to the one that waited longest: the key is written with its
 * owner token on its line lease, its watch sees that, and it holds the lock with no further request. Runs on its own
 * etcd, with one backend per process-like client.
 */
class EtcdHandOverTests {

    private static final Duration EXPIRE = Duration.ofSeconds(30);

    private static final Duration RETRY = Duration.ofSeconds(1);

    private static LocalServer etcd;

    private static EtcdProbe probe;

    private static EtcdBackend holders;

    private static EtcdBackend first;

    private static EtcdBackend second;

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        etcd = LocalServer.start(TestServers.ETCD);
        probe = new EtcdProbe(endpoint());
        holders = backend();
        first = backend();
        second = backend();
    }

    @AfterAll
    static void stop() {
        holders.close();
        first.close();
        second.close();
        probe.close();
        etcd.close();
    }

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String endpoint() {
        return "http://127.0.0.1:" + etcd.port();
    }

    private static EtcdBackend backend() {
        return EtcdBackend.builder().endpoints(endpoint()).build();
    }

    private static String uniqueKey() {
        return holders.key("hand-over", "lock-" + UUID.randomUUID());
    }

    /** A failed attempt of a caller that will wait, then, once its watch knows the lock taken, one in line. */
    private static AcquireResult standInLine(EtcdBackend backend, String key, String owner) throws Exception {
        return standInLine(backend, key, owner, RETRY);
    }

    /** As {@link #standInLine(EtcdBackend, String, String)}, promising to come back within {@code promise}. */
    private static AcquireResult standInLine(EtcdBackend backend, String key, String owner, Duration promise)
            throws Exception {
        AcquireResult result = backend.tryAcquire(key, owner, EXPIRE, promise);
        assertThat(result.acquired()).isFalse();
        if (!result.inLine()) {
            WaitOutcome waited = backend.awaitRelease(key, owner, result.observedVersion(), Duration.ofMillis(100));
            assertThat(waited.mayBeFree()).isFalse();
            result = backend.tryAcquire(key, owner, EXPIRE, promise);
        }
        assertThat(result.inLine()).isTrue();
        String entry = EtcdKeys.lineEntry(key, owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> holders.nextInLine(key) != null
                && inLine(key).contains(entry));
        return result;
    }

    /** The line entries of {@code key}, oldest first. */
    private static List<String> inLine(String key) throws Exception {
        String from = EtcdKeys.lineEntry(key, "");
        GetOption range = GetOption.builder().withRange(bytes(EtcdKeys.lineEnd(from)))
                .withSortField(GetOption.SortTarget.CREATE).withSortOrder(GetOption.SortOrder.ASCEND).build();
        return probe.client().getKVClient().get(bytes(from), range).get(10, TimeUnit.SECONDS).getKvs().stream()
                .map(kv -> kv.getKey().toString(StandardCharsets.UTF_8)).toList();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Test
    void aReleaseHandsTheLockToTheWaiterLongestInLineWhoHoldsItWithALargerToken() throws Exception {
        long began = System.nanoTime();
        String key = uniqueKey();
        AcquireResult held = holders.tryAcquire(key, "holder", EXPIRE);
        AcquireResult firstInLine = standInLine(first, key, "first");
        AcquireResult secondInLine = standInLine(second, key, "second");
        await().atMost(Duration.ofSeconds(10)).until(() -> "first".equals(holders.nextInLine(key)));

        assertThat(holders.release(key, "holder")).isTrue();
        WaitOutcome handed = first.awaitRelease(key, "first", firstInLine.observedVersion(), Duration.ofSeconds(10));

        assertThat(handed.acquired()).isTrue();
        assertThat(handed.fencingToken()).isGreaterThan(held.fencingToken());
        // It lives on the waiter's line lease, of the cluster's minimum TTL, until renewed: counted from the
        // waiter's attempt, at most what has passed since then and the TTL.
        assertThat(handed.validFor()).isPositive()
                .isLessThanOrEqualTo(Duration.ofNanos(System.nanoTime() - began).plusSeconds(2));
        KeyValue stored = probe.get(key);
        assertThat(stored.getValue().toString(StandardCharsets.UTF_8)).isEqualTo("first");
        assertThat(stored.getModRevision()).isEqualTo(handed.fencingToken());
        assertThat(probe.grantedTtl(stored.getLease())).isEqualTo(2);
        assertThat(inLine(key)).containsExactly(EtcdKeys.lineEntry(key, "second"));
        // The others are refused and wait on.
        assertThat(holders.tryAcquire(key, "late", EXPIRE).acquired()).isFalse();
        WaitOutcome stillWaiting = second.awaitRelease(key, "second", secondInLine.observedVersion(),
                Duration.ofMillis(300));
        assertThat(stillWaiting.acquired()).isFalse();
        assertThat(stillWaiting.mayBeFree()).isFalse();
        // A later attempt of the waiter (its watch event lost) finds the lock its own, with the same token.
        AcquireResult again = first.tryAcquire(key, "first", EXPIRE, RETRY);
        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(handed.fencingToken());

        // And the next release hands it on to the next in line.
        await().atMost(Duration.ofSeconds(10)).until(() -> "second".equals(first.nextInLine(key)));
        assertThat(first.release(key, "first")).isTrue();
        WaitOutcome handedOn = second.awaitRelease(key, "second", secondInLine.observedVersion(),
                Duration.ofSeconds(10));
        assertThat(handedOn.acquired()).isTrue();
        assertThat(handedOn.fencingToken()).isGreaterThan(handed.fencingToken());
        assertThat(second.release(key, "second")).isTrue();

        assertThat(holders.isLocked(key)).isFalse();
        assertThat(inLine(key)).isEmpty();
        assertThat(probe.get(EtcdKeys.handOverRecord(key))).isNull();
        // A plain acquisition after them gets a larger token still.
        assertThat(holders.tryAcquire(key, "after", EXPIRE).fencingToken()).isGreaterThan(handedOn.fencingToken());
        assertThat(holders.release(key, "after")).isTrue();
    }

    /** The hand-over's validity counts from the waiter's attempt, as the SPI says, not from when it is seen. */
    @Test
    void aHandOverLateInALongWaitIsValidFromTheWaitersAttempt() throws Exception {
        String key = uniqueKey();
        Duration retry = Duration.ofSeconds(4);
        holders.tryAcquire(key, "holder", EXPIRE);
        AcquireResult result = first.tryAcquire(key, "patient", EXPIRE, retry);
        if (!result.inLine()) {
            first.awaitRelease(key, "patient", result.observedVersion(), Duration.ofMillis(100));
        }
        long sent = System.nanoTime();
        result = first.tryAcquire(key, "patient", EXPIRE, retry);
        assertThat(result.inLine()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> "patient".equals(holders.nextInLine(key)));
        Future<Boolean> release = executor.submit(() -> {
            Thread.sleep(Math.max(0, 2500 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent)));
            return holders.release(key, "holder");
        });

        WaitOutcome handed = first.awaitRelease(key, "patient", result.observedVersion(), retry);
        long elapsed = System.nanoTime() - sent;

        assertThat(release.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(handed.acquired()).isTrue();
        // Its line lease was kept alive while it waited, so the lock outlives the 2.5 s since the attempt.
        assertThat(handed.validFor().toNanos()).isGreaterThan(elapsed);
        assertThat(first.release(key, "patient")).isTrue();
    }

    @Test
    void aWaiterWithARetryIntervalLongerThanTheLineLeaseTakesTheHandOver() throws Exception {
        String name = "patient-" + UUID.randomUUID();
        String key = holders.key("hand-over", name);
        EtcdLock holder = new EtcdLock(name, holders, "hand-over", LockSettings.defaults());
        holder.acquire();
        EtcdLock waiter = new EtcdLock(name, first, "hand-over",
                LockSettings.defaults().withRetryInterval(Duration.ofSeconds(4)));
        Future<Long> acquired = executor.submit(() -> {
            waiter.acquire();
            return waiter.fencingToken();
        });
        await().atMost(Duration.ofSeconds(15)).until(() -> inLine(key).size() == 1);
        Thread.sleep(2500);
        holder.release();

        long token = acquired.get(30, TimeUnit.SECONDS);

        // Held with the hand-over's revision: not refused as late, released and taken again with a new token.
        KeyValue record = probe.get(EtcdKeys.handOverRecord(key));
        assertThat(record).isNotNull();
        assertThat(token).isEqualTo(record.getModRevision());
        executor.submit(waiter::release).get(10, TimeUnit.SECONDS);
        assertThat(holders.isLocked(key)).isFalse();
    }

    @Test
    void aHandedLockThatIsRenewedMovesToALeaseOfItsExpiry() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        AcquireResult inLine = standInLine(first, key, "first");
        assertThat(holders.release(key, "holder")).isTrue();
        WaitOutcome handed = first.awaitRelease(key, "first", inLine.observedVersion(), Duration.ofSeconds(10));
        assertThat(handed.acquired()).isTrue();
        long lineLease = probe.get(key).getLease();

        assertThat(first.renew(key, "first", EXPIRE)).isTrue();

        KeyValue renewed = probe.get(key);
        assertThat(renewed.getLease()).isNotEqualTo(lineLease);
        assertThat(probe.grantedTtl(renewed.getLease())).isEqualTo(EXPIRE.toSeconds());
        assertThat(first.tryAcquire(key, "first", EXPIRE).fencingToken()).isEqualTo(handed.fencingToken());
        assertThat(first.release(key, "first")).isTrue();
    }

    @Test
    void aLockHandedToAWaiterThatStoppedComingBackExpiresAndItsRecordLendsNoTokenToALaterAcquisition()
            throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        standInLine(first, key, "late", Duration.ofMillis(100));
        await().atMost(Duration.ofSeconds(10)).until(() -> "late".equals(holders.nextInLine(key)));
        assertThat(holders.release(key, "holder")).isTrue();
        long handedAt = probe.get(key).getModRevision();
        assertThat(probe.get(EtcdKeys.handOverRecord(key)).getModRevision()).isEqualTo(handedAt);

        // The waiter never comes back: its line lease lapses, and the lock with it.
        await().atMost(Duration.ofSeconds(15)).until(() -> probe.get(key) == null);
        AcquireResult taken = first.tryAcquire(key, "late", EXPIRE);
        AcquireResult retried = first.tryAcquire(key, "late", EXPIRE);

        assertThat(taken.fencingToken()).isGreaterThan(handedAt);
        assertThat(retried.fencingToken()).isEqualTo(taken.fencingToken());
        assertThat(probe.get(EtcdKeys.handOverRecord(key))).isNull();
        assertThat(first.release(key, "late")).isTrue();
    }

    @Test
    void aWaiterThatGaveUpLeavesTheLineAndIsNotHandedTheLock() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        standInLine(first, key, "first");

        assertThat(first.release(key, "first")).isFalse();
        assertThat(inLine(key)).isEmpty();
        assertThat(first.waitersInLine()).isZero();
        assertThat(holders.release(key, "holder")).isTrue();

        assertThat(holders.isLocked(key)).isFalse();
    }

    @Test
    void aWaiterThatStopsComingBackDropsOutOfLineWithItsLease() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        standInLine(first, key, "gone", Duration.ofMillis(100));
        assertThat(inLine(key)).hasSize(1);

        // No further attempt or wait: its lease is no longer kept alive and expires (2 s) with its entry.
        await().atMost(Duration.ofSeconds(15)).until(() -> inLine(key).isEmpty());
        assertThat(first.waitersInLine()).isZero();
        assertThat(holders.release(key, "holder")).isTrue();
        assertThat(holders.isLocked(key)).isFalse();
    }

    @Test
    void aWaiterWhoseLineLeaseIsGoneStandsInLineAnewOnItsNextAttempt() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        standInLine(first, key, "first");
        long lineLease = probe.get(EtcdKeys.lineEntry(key, "first")).getLease();
        probe.client().getLeaseClient().revoke(lineLease).get(10, TimeUnit.SECONDS);

        AcquireResult again = first.tryAcquire(key, "first", EXPIRE, RETRY);

        assertThat(again.acquired()).isFalse();
        assertThat(again.inLine()).isTrue();
        KeyValue entry = probe.get(EtcdKeys.lineEntry(key, "first"));
        assertThat(entry).isNotNull();
        assertThat(entry.getLease()).isNotEqualTo(lineLease);
        assertThat(first.release(key, "first")).isFalse();
        assertThat(holders.release(key, "holder")).isTrue();
        assertThat(holders.isLocked(key)).isFalse();
    }

    @Test
    void aWaitersAttemptWhoseAnswerIsLostRevokesItsLineLeaseSoNoOtherWaiterInheritsIt() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        RequestFaults faults = new RequestFaults();
        try (Client client = Client.builder().endpoints(endpoint()).interceptor(faults).build();
                EtcdBackend lossy = EtcdBackend.of(client)) {
            standInLine(lossy, key, "lossy");
            long lineLease = probe.get(EtcdKeys.lineEntry(key, "lossy")).getLease();
            faults.loseNextTxnAnswers(1);

            // Applied, answer lost: the core would count it uncertain. The entry it may have written must not
            // survive on a lease that the backend could later give another waiter.
            assertThatThrownBy(() -> lossy.tryAcquire(key, "lossy", EXPIRE, RETRY))
                    .isInstanceOf(StoreException.class);

            assertThat(lossy.waitersInLine()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> probe.remainingTtl(lineLease) == -1);
            assertThat(inLine(key)).isEmpty();
            AcquireResult again = standInLine(lossy, key, "lossy");
            assertThat(again.inLine()).isTrue();
            assertThat(probe.get(EtcdKeys.lineEntry(key, "lossy")).getLease()).isNotEqualTo(lineLease);
            assertThat(lossy.release(key, "lossy")).isFalse();
        }
        assertThat(holders.release(key, "holder")).isTrue();
        assertThat(holders.isLocked(key)).isFalse();
    }

    /** Keys the backend's key() never makes: a name with a raw slash, or one that looks like a line entry. */
    @Test
    void keysOfAnotherFormNeitherStandInLineNorPassForLineEntries() throws Exception {
        String namespace = "raw-" + UUID.randomUUID();
        String lock = "sherlock/" + namespace + "/c";
        String slashed = "sherlock/" + namespace + "/c/b";
        String lookalike = "sherlock/" + namespace + "/%wc/y";
        assertThat(holders.tryAcquire(lock, "holder", EXPIRE).acquired()).isTrue();
        assertThat(holders.tryAcquire(slashed, "other", EXPIRE).acquired()).isTrue();
        assertThat(first.tryAcquire(lookalike, "victim", EXPIRE).acquired()).isTrue();
        AcquireResult waiting = second.tryAcquire(slashed, "w", EXPIRE, RETRY);
        second.awaitRelease(slashed, "w", waiting.observedVersion(), Duration.ofMillis(100));
        assertThat(second.tryAcquire(slashed, "w", EXPIRE, RETRY).inLine()).isFalse();
        // Give the holder's view time to see what there is to see.
        Thread.sleep(300);
        assertThat(holders.nextInLine(lock)).isNull();

        assertThat(holders.release(lock, "holder")).isTrue();

        assertThat(holders.isLocked(lock)).isFalse();
        assertThat(probe.get(lookalike).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("victim");
        assertThat(first.release(lookalike, "victim")).isTrue();
        assertThat(holders.release(slashed, "other")).isTrue();
    }

    @Test
    void aWaiterWhoseBackendClosedIsNotHandedTheLock() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        try (EtcdBackend closing = backend()) {
            standInLine(closing, key, "closing");
        }
        // Its line lease was revoked with the backend, its entry with it; the holder's view may lag behind, and then
        // its transaction finds the entry gone and releases plainly.
        assertThat(inLine(key)).isEmpty();
        assertThat(holders.release(key, "holder")).isTrue();
        assertThat(holders.isLocked(key)).isFalse();
    }

    @Test
    void aCallerThatWillNotWaitDoesNotStandInLine() throws Exception {
        String key = uniqueKey();
        holders.tryAcquire(key, "holder", EXPIRE);
        standInLine(first, key, "first");

        AcquireResult once = second.tryAcquire(key, "once", EXPIRE);
        AcquireResult never = second.tryAcquire(key, "never", null, RETRY);

        assertThat(once.inLine()).isFalse();
        assertThat(never.inLine()).isFalse();
        assertThat(inLine(key)).containsExactly(EtcdKeys.lineEntry(key, "first"));
        assertThat(first.release(key, "first")).isFalse();
        assertThat(holders.release(key, "holder")).isTrue();
    }

    @Test
    void waitingCallersAreServedInTheOrderTheyStoodInLine() throws Exception {
        String name = "ordered-" + UUID.randomUUID();
        LockSettings settings = LockSettings.defaults().withRetryInterval(Duration.ofMillis(50));
        EtcdLock holder = new EtcdLock(name, holders, "hand-over", settings);
        holder.acquire();
        String key = holders.key("hand-over", name);
        List<String> order = new CopyOnWriteArrayList<>();
        List<Long> tokens = new CopyOnWriteArrayList<>();
        try (EtcdBackend third = backend()) {
            EtcdBackend[] backends = {first, second, third};
            List<Future<?>> waiters = new ArrayList<>();
            for (int i = 0; i < backends.length; i++) {
                String who = "waiter-" + i;
                EtcdLock lock = new EtcdLock(name, backends[i], "hand-over", settings);
                int before = inLine(key).size();
                waiters.add(executor.submit(() -> {
                    lock.acquire();
                    order.add(who);
                    tokens.add(lock.fencingToken());
                    lock.release();
                    return null;
                }));
                // Each stands in line before the next one starts.
                await().atMost(Duration.ofSeconds(10)).until(() -> inLine(key).size() == before + 1);
            }
            long holderToken = holder.fencingToken();
            holder.release();
            for (Future<?> waiter : waiters) {
                waiter.get(30, TimeUnit.SECONDS);
            }

            assertThat(order).containsExactly("waiter-0", "waiter-1", "waiter-2");
            assertThat(tokens).isSorted().allMatch(token -> token > holderToken).doesNotHaveDuplicates();
            assertThat(holders.isLocked(key)).isFalse();
        }
    }
}
