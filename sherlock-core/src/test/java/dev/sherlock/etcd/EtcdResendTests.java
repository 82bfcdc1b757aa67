package dev.sherlock.etcd;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import dev.sherlock.testserver.FaultProxy;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Requests that reach etcd twice. jetcd never resends a transaction that may have been applied (only auth errors,
 * which etcd raises before applying anything, are retried), so the second run comes from the core, which retries a
 * failed attempt with the same owner token: an acquisition that finds the key holding its owner is acquired, with
 * the key's create revision, on this attempt's lease.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdResendTests {

    private static final Duration EXPIRE = Duration.ofSeconds(30);

    private static LocalServer etcd;

    private static EtcdProbe probe;

    private static EtcdBackend backend;

    @BeforeAll
    static void start() {
        etcd = TestServers.etcd();
        probe = new EtcdProbe(endpoint(etcd.port()));
        backend = EtcdBackend.builder().endpoints(endpoint(etcd.port())).build();
    }

    @AfterAll
    static void stop() {
        backend.close();
        probe.close();
    }

    private static String endpoint(int port) {
        return "http://127.0.0.1:" + port;
    }

    private static String uniqueKey() {
        return backend.key("resend", "lock-" + UUID.randomUUID());
    }

    @Test
    void anAcquireRepeatedWithItsOwnerGetsTheKeysCreateRevisionOnTheNewAttemptsLease() throws Exception {
        String key = uniqueKey();
        AcquireResult first = backend.tryAcquire(key, "owner", EXPIRE);
        long firstLease = probe.get(key).getLease();

        AcquireResult again = backend.tryAcquire(key, "owner", Duration.ofSeconds(60));

        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
        KeyValue stored = probe.get(key);
        assertThat(stored.getCreateRevision()).isEqualTo(first.fencingToken());
        // The lock now lives on the lease of the attempt the caller counts its deadline from.
        assertThat(stored.getLease()).isNotEqualTo(firstLease);
        assertThat(probe.grantedTtl(stored.getLease())).isEqualTo(60);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.remainingTtl(firstLease) == -1);
        assertThat(probe.get(key)).isNotNull();
        assertThat(backend.tryAcquire(key, "someone-else", EXPIRE).acquired()).isFalse();
        assertThat(backend.release(key, "owner")).isTrue();
        assertThat(probe.get(key)).isNull();
    }

    @Test
    void aNeverExpiringAcquireRepeatedWithItsOwnerKeepsItsKeyWithoutLease() throws Exception {
        String key = uniqueKey();
        AcquireResult first = backend.tryAcquire(key, "owner", null);

        AcquireResult again = backend.tryAcquire(key, "owner", null);

        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(probe.get(key).getLease()).isZero();
        assertThat(backend.release(key, "owner")).isTrue();
    }

    /** The txn was applied, its answer lost, and the revocation of its lease could not reach etcd either. */
    @Test
    void anAcquireRetriedAfterItsAnswerAndItsCleanupWereLostIsAcquiredAndSurvivesTheOldLease() throws Exception {
        RequestFaults faults = new RequestFaults();
        try (Client client = Client.builder().endpoints(endpoint(etcd.port())).interceptor(faults).build();
                EtcdBackend faulty = EtcdBackend.of(client)) {
            String key = uniqueKey();
            faults.loseNextTxnAnswers(1);
            faults.failLeaseRevokes(true);
            assertThatThrownBy(() -> faulty.tryAcquire(key, "owner", EXPIRE)).hasMessageContaining("injected fault");
            KeyValue orphan = probe.get(key);
            assertThat(orphan.getValue().toString()).isEqualTo("owner");
            // The revocation is sent in the background: it must have failed before revocations work again.
            await().atMost(Duration.ofSeconds(10)).until(() -> faults.calls("LeaseRevoke") >= 1);
            faults.failLeaseRevokes(false);

            AcquireResult retried = faulty.tryAcquire(key, "owner", EXPIRE);

            assertThat(retried.acquired()).isTrue();
            assertThat(retried.fencingToken()).isEqualTo(orphan.getCreateRevision());
            await().atMost(Duration.ofSeconds(10)).until(() -> probe.remainingTtl(orphan.getLease()) == -1);
            assertThat(probe.get(key).getCreateRevision()).isEqualTo(orphan.getCreateRevision());
            assertThat(faulty.release(key, "owner")).isTrue();
        }
    }

    /** Had jetcd sent the release again, the second run would have found nothing and answered "lost". */
    @Test
    void aReleaseWhoseAnswerIsLostFailsInsteadOfBeingResent() throws Exception {
        try (FaultProxy proxy = FaultProxy.to(etcd.host(), etcd.port());
                EtcdBackend proxied = EtcdBackend.builder().endpoints(endpoint(proxy.port())).build()) {
            String key = uniqueKey();
            assertThat(proxied.tryAcquire(key, "owner", EXPIRE).acquired()).isTrue();
            proxy.dropReplyAndReset(request -> request.contains(key));

            assertThatThrownBy(() -> proxied.release(key, "owner")).isInstanceOf(StoreException.class)
                    .hasMessageContaining("release txn on key '" + key + "'");

            assertThat(proxy.drops()).isEqualTo(1);
            assertThat(probe.get(key)).isNull();
        }
    }

    /** Had jetcd sent the transaction again, the second run would have found the key and answered "held". */
    @Test
    void anAcquireWhoseAnswerIsLostFailsInsteadOfBeingResentAndLeavesNoKey() throws Exception {
        try (FaultProxy proxy = FaultProxy.to(etcd.host(), etcd.port());
                EtcdBackend proxied = EtcdBackend.builder().endpoints(endpoint(proxy.port())).build()) {
            String key = uniqueKey();
            proxy.dropReplyAndReset(request -> request.contains(key));

            assertThatThrownBy(() -> proxied.tryAcquire(key, "owner", EXPIRE))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("create-if-absent txn on key '" + key + "'");

            assertThat(proxy.drops()).isEqualTo(1);
            // The attempt's lease is revoked, and its key with it.
            await().atMost(Duration.ofSeconds(10)).until(() -> probe.get(key) == null);
            assertThat(proxied.tryAcquire(key, "owner", EXPIRE).acquired()).isTrue();
            assertThat(proxied.release(key, "owner")).isTrue();
        }
    }
}
