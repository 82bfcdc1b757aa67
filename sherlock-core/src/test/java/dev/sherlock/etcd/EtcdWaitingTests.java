package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockSettings;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hand-off: waiters learn of a release or an expiry from a watch on the key, and do not re-send the failed
 * transaction while the key stays held.
 */
class EtcdWaitingTests {

    /**
     * Waiters retry only this rarely on their own, and wait this long; the tests give up long before, so a waiter
     * that succeeds in time was woken by its watch, not by polling.
     */
    private static final Duration NO_POLLING = Duration.ofMinutes(4);

    private static EtcdBackend holders;

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void connect() {
        holders = EtcdBackend.builder().endpoints(endpoint()).build();
    }

    @AfterAll
    static void close() {
        holders.close();
    }

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String endpoint() {
        return "http://" + TestServers.etcd().host() + ":" + TestServers.etcd().port();
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String uniqueName() {
        return "waiting-" + UUID.randomUUID();
    }

    private static LockSettings waiting() {
        return LockSettings.defaults().withTimeout(NO_POLLING).withRetryInterval(NO_POLLING);
    }

    @Test
    void waiterIsWokenByTheReleaseWithoutPolling() throws Exception {
        String name = uniqueName();
        EtcdLock holder = new EtcdLock(name, holders, "waiting", LockSettings.defaults());
        holder.acquire();
        try (EtcdBackend waiters = EtcdBackend.builder().endpoints(endpoint()).build()) {
            EtcdLock waiter = new EtcdLock(name, waiters, "waiting", waiting());
            Future<Long> acquired = executor.submit(() -> {
                waiter.acquire();
                long token = waiter.fencingToken();
                waiter.release();
                return token;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> waiters.openWatches() == 1);
            long holderToken = holder.fencingToken();
            holder.release();
            assertThat(acquired.get(30, TimeUnit.SECONDS)).isGreaterThan(holderToken);
        }
    }

    @Test
    void waiterIsWokenWhenTheCrashedHoldersLeaseExpires() throws Exception {
        String name = uniqueName();
        EtcdLock crashed = new EtcdLock(name, holders, "waiting",
                LockSettings.defaults().withExpire(Duration.ofSeconds(2)).withAutoRenew(false));
        crashed.acquire();
        try (EtcdBackend waiters = EtcdBackend.builder().endpoints(endpoint()).build()) {
            EtcdLock waiter = new EtcdLock(name, waiters, "waiting", waiting());
            Future<Boolean> acquired = executor.submit(() -> {
                waiter.acquire();
                waiter.release();
                return true;
            });
            assertThat(acquired.get(60, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void waiterSendsATransactionASecondAndOtherwiseWaitsOnItsWatch() throws Exception {
        String name = uniqueName();
        EtcdLock holder = new EtcdLock(name, holders, "waiting", LockSettings.defaults());
        holder.acquire();
        RequestFaults counts = new RequestFaults();
        try (Client client = Client.builder().endpoints(endpoint()).interceptor(counts).build();
                EtcdBackend waiters = EtcdBackend.of(client)) {
            // Polling every 20 ms for 2 s would send about a hundred transactions.
            EtcdLock waiter = new EtcdLock(name, waiters, "waiting",
                    LockSettings.defaults().withRetryInterval(Duration.ofMillis(20)));
            boolean acquired = executor.submit(() -> waiter.tryAcquire(Duration.ofSeconds(2))).get(1, TimeUnit.MINUTES);
            assertThat(acquired).isFalse();
            // One at the start, one after a second (the core's bound on "still held" answers), one at the deadline;
            // the second put the waiter in line, so giving up sends one more, in the background, to leave it.
            String entries = EtcdKeys.lineEntry(holders.key("waiting", name), "");
            GetOption line = GetOption.builder().withRange(bytes(EtcdKeys.lineEnd(entries))).withCountOnly(true)
                    .build();
            await().atMost(Duration.ofSeconds(10)).until(() -> waiters.waitersInLine() == 0
                    && holders.client().getKVClient().get(bytes(entries), line).get().getCount() == 0);
            assertThat(counts.calls("Txn")).isBetween(3, 4);
            // The attempts' lease, and the line lease of the waiter (the first attempt did not know the lock taken).
            assertThat(counts.calls("LeaseGrant")).isEqualTo(2);
            // The watch's word is confirmed by a read once a second; the namespace's line is read once.
            assertThat(counts.calls("Range")).isLessThanOrEqualTo(4);
            // The key's watch and the watch on the namespace's line.
            assertThat(counts.calls("Watch")).isEqualTo(2);
        }
        holder.release();
    }

    @Test
    void keyWatchIsClosedSoonAfterTheLastWaiterLeaves() throws Exception {
        String name = uniqueName();
        EtcdLock holder = new EtcdLock(name, holders, "waiting", LockSettings.defaults());
        holder.acquire();
        try (EtcdBackend waiters = EtcdBackend.builder().endpoints(endpoint()).build()) {
            EtcdLock waiter = new EtcdLock(name, waiters, "waiting",
                    LockSettings.defaults().withRetryInterval(Duration.ofMillis(50)));
            assertThat(executor.submit(() -> waiter.tryAcquire(Duration.ofMillis(300))).get(1, TimeUnit.MINUTES))
                    .isFalse();
            assertThat(waiters.openWatches()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> waiters.openWatches() == 0);
        }
        holder.release();
    }
}
