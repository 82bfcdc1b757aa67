package dev.sherlock.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sherlock.LockBackendException;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What the etcd backend stores: lease-bound keys, revision tokens, and no key or lease left by an attempt that
 * failed, lost its answer or reached etcd too late. Runs on its own etcd so lease lists belong to these tests alone.
 */
class EtcdBackendTests {

    private static LocalServer etcd;

    private static EtcdProbe probe;

    private static EtcdBackend backend;

    private static EtcdBackend other;

    @BeforeAll
    static void start() {
        etcd = LocalServer.start(TestServers.ETCD);
        probe = new EtcdProbe(endpoint());
        backend = EtcdBackend.builder().endpoints(endpoint()).build();
        other = EtcdBackend.builder().endpoints(endpoint()).build();
    }

    @AfterAll
    static void stop() {
        backend.close();
        other.close();
        probe.close();
        etcd.close();
    }

    private static String endpoint() {
        return "http://" + etcd.host() + ":" + etcd.port();
    }

    private static String uniqueKey() {
        return backend.key("etcd-tests", "lock-" + UUID.randomUUID());
    }

    private static Set<Long> leasesAddedSince(Set<Long> before) throws Exception {
        Set<Long> added = new HashSet<>(probe.leases());
        added.removeAll(before);
        return added;
    }

    private static void awaitNoKeyAndNoLeaseSince(String key, Set<Long> before) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(probe.get(key)).isNull();
            assertThat(leasesAddedSince(before)).isEmpty();
        });
    }

    @Test
    void fencingTokenIsTheCreateRevisionOfTheKeyAndIncreases() throws Exception {
        String name = "tokens-" + UUID.randomUUID();
        List<Long> tokens = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            EtcdLock lock = new EtcdLock(name, i % 2 == 0 ? backend : other, "etcd-tests", LockSettings.defaults());
            lock.acquire();
            KeyValue stored = probe.get(backend.key("etcd-tests", name));
            assertThat(stored).isNotNull();
            assertThat(lock.fencingToken()).isEqualTo(stored.getCreateRevision());
            tokens.add(lock.fencingToken());
            lock.release();
        }
        assertThat(tokens).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void lockKeyHoldsTheOwnerAndIsBoundToALeaseOfTheExpiryRoundedUpToSeconds() throws Exception {
        String key = uniqueKey();
        assertThat(key).startsWith("sherlock/etcd-tests/lock-");
        AcquireResult result = backend.tryAcquire(key, "owner-1", Duration.ofMillis(2500));
        assertThat(result.acquired()).isTrue();
        KeyValue stored = probe.get(key);
        assertThat(stored).isNotNull();
        assertThat(stored.getValue().toString()).isEqualTo("owner-1");
        assertThat(stored.getLease()).isNotZero();
        assertThat(probe.grantedTtl(stored.getLease())).isEqualTo(3);
        assertThat(backend.release(key, "owner-1")).isTrue();
    }

    @Test
    void aLeaseFreedByAReleaseIsReusedWithoutAKeepAliveAndItsShorterLifeIsReported() throws Exception {
        String key = uniqueKey();
        Duration expire = Duration.ofSeconds(30);
        try (EtcdBackend own = EtcdBackend.builder().endpoints(endpoint()).build()) {
            AcquireResult first = own.tryAcquire(key, "owner-1", expire);
            assertThat(first.acquired()).isTrue();
            assertThat(first.validFor()).isNull();
            long lease = probe.get(key).getLease();
            assertThat(own.release(key, "owner-1")).isTrue();
            assertThat(own.spareLeases()).isEqualTo(1);
            AcquireResult second = own.tryAcquire(key, "owner-2", expire);
            assertThat(second.acquired()).isTrue();
            // The same lease, not kept alive: it lives what is left of the 30 s it was granted for, and says so.
            assertThat(probe.get(key).getLease()).isEqualTo(lease);
            assertThat(second.validFor()).isNotNull().isLessThan(expire).isGreaterThan(expire.multipliedBy(8)
                    .dividedBy(10));
            assertThat(own.spareLeases()).isZero();
            assertThat(own.release(key, "owner-2")).isTrue();
        }
    }

    @Test
    void lockThatNeverExpiresIsAKeyWithoutLease() throws Exception {
        Set<Long> before = probe.leases();
        String key = uniqueKey();
        try (EtcdBackend own = EtcdBackend.builder().endpoints(endpoint()).build()) {
            assertThat(own.tryAcquire(key, "owner-1", null).acquired()).isTrue();
            KeyValue stored = probe.get(key);
            assertThat(stored).isNotNull();
            assertThat(stored.getLease()).isZero();
            // The lease the key was created on is detached and kept spare for the next attempt.
            assertThat(own.spareLeases()).isEqualTo(1);
            assertThat(own.renew(key, "owner-1", null)).isTrue();
            assertThat(own.release(key, "owner-1")).isTrue();
        }
        assertThat(probe.get(key)).isNull();
        awaitNoKeyAndNoLeaseSince(key, before);
    }

    @Test
    void failedAttemptsReuseOneUnboundLeaseWhichIsRevokedOnceIdle() throws Exception {
        Set<Long> before = probe.leases();
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "holder", Duration.ofSeconds(30)).acquired()).isTrue();
        long holderLease = probe.get(key).getLease();
        try (EtcdBackend contender = EtcdBackend.builder().endpoints(endpoint()).build()) {
            for (int i = 0; i < 5; i++) {
                AcquireResult refused = contender.tryAcquire(key, "contender-" + i, Duration.ofSeconds(30));
                assertThat(refused.acquired()).isFalse();
                assertThat(refused.observedVersion()).isGreaterThanOrEqualTo(probe.get(key).getCreateRevision());
            }
            assertThat(contender.spareLeases()).isEqualTo(1);
            Set<Long> added = leasesAddedSince(before);
            assertThat(added).hasSize(2).contains(holderLease);
            // Nobody takes the spare: it is revoked after its idle time, without closing the backend.
            await().atMost(Duration.ofSeconds(30)).until(() -> leasesAddedSince(before).equals(Set.of(holderLease)));
            assertThat(contender.spareLeases()).isZero();
        }
        assertThat(probe.get(key).getValue().toString()).isEqualTo("holder");
        assertThat(backend.release(key, "holder")).isTrue();
    }

    @Test
    void releaseDeletesTheKeyAndTheNextAcquisitionReusesItsLease() throws Exception {
        Set<Long> before = probe.leases();
        String key = uniqueKey();
        try (EtcdBackend own = EtcdBackend.builder().endpoints(endpoint()).build()) {
            assertThat(own.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
            long lease = probe.get(key).getLease();
            assertThat(own.release(key, "someone-else")).isFalse();
            assertThat(probe.get(key)).isNotNull();
            assertThat(own.release(key, "owner-1")).isTrue();
            assertThat(probe.get(key)).isNull();
            assertThat(own.tryAcquire(key, "owner-2", Duration.ofSeconds(30)).acquired()).isTrue();
            assertThat(probe.get(key).getLease()).isEqualTo(lease);
            assertThat(probe.grantedTtl(lease)).isEqualTo(30);
            assertThat(own.release(key, "owner-2")).isTrue();
        }
        awaitNoKeyAndNoLeaseSince(key, before);
    }

    @Test
    void lockTakenOnAReusedLeaseLivesItsWholeExpiry() throws Exception {
        String key = uniqueKey();
        Duration expire = Duration.ofSeconds(4);
        assertThat(backend.tryAcquire(key, "holder", expire).acquired()).isTrue();
        try (EtcdBackend own = EtcdBackend.builder().endpoints(endpoint()).build()) {
            assertThat(own.tryAcquire(key, "waiter", expire).acquired()).isFalse();
            assertThat(own.spareLeases()).isEqualTo(1);
            // Let the spare age: it is still alive, but no longer for a whole expiry.
            Thread.sleep(2000);
            assertThat(backend.release(key, "holder")).isTrue();
            assertThat(own.tryAcquire(key, "waiter", expire).acquired()).isTrue();
            assertThat(own.spareLeases()).isZero();
            long lease = probe.get(key).getLease();
            assertThat(probe.remainingTtl(lease)).isGreaterThanOrEqualTo(3);
            assertThat(own.release(key, "waiter")).isTrue();
        }
    }

    @Test
    void attemptWhoseAnswerIsLostLeavesNoKeyOrLease() throws Exception {
        attemptWhoseAnswerIsLost(Duration.ofSeconds(30));
    }

    @Test
    void neverExpiringAttemptWhoseAnswerIsLostLeavesNoKeyOrLease() throws Exception {
        attemptWhoseAnswerIsLost(null);
    }

    private static void attemptWhoseAnswerIsLost(@Nullable Duration expire) throws Exception {
        RequestFaults faults = new RequestFaults();
        try (Client client = Client.builder().endpoints(endpoint()).interceptor(faults).build();
                EtcdBackend faulty = EtcdBackend.of(client)) {
            Set<Long> before = probe.leases();
            String key = uniqueKey();
            faults.loseNextTxnAnswers(1);
            assertThatThrownBy(() -> faulty.tryAcquire(key, "lost", expire))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("create-if-absent txn on key '" + key + "' failed")
                    .hasMessageContaining("injected fault");
            // The txn was applied: without cleanup its key would hold the lock for an owner nobody has.
            awaitNoKeyAndNoLeaseSince(key, before);
            assertThat(other.tryAcquire(key, "next", expire).acquired()).isTrue();
            assertThat(other.release(key, "next")).isTrue();
        }
    }

    @Test
    void attemptThatReachesEtcdAfterItTimedOutLeavesNoKeyOrLease() throws Exception {
        RequestFaults faults = new RequestFaults();
        try (Client client = Client.builder().endpoints(endpoint()).interceptor(faults).build();
                EtcdBackend faulty = EtcdBackend.builder().client(client).requestTimeout(Duration.ofMillis(300)).build()) {
            Set<Long> before = probe.leases();
            String key = uniqueKey();
            faults.delayNextTxns(1, 1500);
            assertThatThrownBy(() -> faulty.tryAcquire(key, "late", Duration.ofSeconds(30)))
                    .isInstanceOf(StoreException.class).hasMessageContaining("got no answer within PT0.3S");
            await().atMost(Duration.ofSeconds(30)).until(() -> faults.delayedAnswered() == 1);
            // etcd refused the late put: its lease had been revoked when the attempt was given up.
            assertThat(faults.delayedStatuses().get(0).getDescription()).contains("lease not found");
            awaitNoKeyAndNoLeaseSince(key, before);
        }
    }

    @Test
    void renewReportsTheLossWhenTheLeaseIsGone() throws Exception {
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        long lease = probe.get(key).getLease();
        probe.client().getLeaseClient().revoke(lease).get(10, TimeUnit.SECONDS);
        assertThat(backend.renew(key, "owner-1", Duration.ofSeconds(30))).isFalse();
        assertThat(backend.release(key, "owner-1")).isFalse();
    }

    @Test
    void renewWithAnotherExpiryRebindsTheKeyAndKeepsItsToken() throws Exception {
        Set<Long> before = probe.leases();
        String key = uniqueKey();
        try (EtcdBackend own = EtcdBackend.builder().endpoints(endpoint()).build()) {
            AcquireResult acquired = own.tryAcquire(key, "owner-1", Duration.ofSeconds(3));
            assertThat(own.renew(key, "owner-1", Duration.ofSeconds(3))).isTrue();
            assertThat(own.renew(key, "owner-1", Duration.ofSeconds(40))).isTrue();
            KeyValue stored = probe.get(key);
            assertThat(probe.grantedTtl(stored.getLease())).isEqualTo(40);
            assertThat(stored.getCreateRevision()).isEqualTo(acquired.fencingToken());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> leasesAddedSince(before).equals(Set.of(stored.getLease())));
            assertThat(own.renew(key, "owner-1", null)).isTrue();
            assertThat(probe.get(key).getLease()).isZero();
            assertThat(own.renew(key, "owner-2", null)).isFalse();
            assertThat(own.release(key, "owner-1")).isTrue();
        }
        awaitNoKeyAndNoLeaseSince(key, before);
    }

    @Test
    void unreachableEtcdFailsWithTheLockAndBackendInTheMessage() {
        int port = LocalServer.freePorts(1)[0];
        try (EtcdBackend unreachable = EtcdBackend.builder().endpoints(List.of("http://127.0.0.1:" + port)).requestTimeout(Duration.ofMillis(500)).build()) {
            EtcdLock lock = new EtcdLock("orders", unreachable, "billing", LockSettings.defaults());
            assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                    .hasMessageStartingWith("Lock 'orders' (backend etcd, namespace 'billing'): acquire failed:")
                    .hasMessageContaining("got no answer within PT0.5S");
        }
    }

    @Test
    void expiriesBelowTheMinimumLeaseTtlAreUnsupportedTwoSecondsUnlessConfigured() {
        assertThat(backend.minimumLeaseTtl()).isEqualTo(Duration.ofSeconds(2));
        assertThat(backend.unsupportedExpire(Duration.ofMillis(1500))).startsWith("is shorter than etcd's minimum");
        assertThat(backend.unsupportedExpire(Duration.ofSeconds(2))).isNull();
        try (EtcdBackend slower = EtcdBackend.builder().endpoints(List.of(endpoint())).requestTimeout(EtcdBackend.DEFAULT_REQUEST_TIMEOUT).minimumLeaseTtl(Duration.ofSeconds(5)).build()) {
            assertThat(slower.unsupportedExpire(Duration.ofSeconds(4))).contains("use at least 5s");
            assertThat(slower.unsupportedExpire(Duration.ofSeconds(5))).isNull();
        }
        assertThatThrownBy(() -> EtcdBackend.builder().endpoints(List.of(endpoint())).requestTimeout(Duration.ofSeconds(1)).minimumLeaseTtl(Duration.ZERO).build())
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend etcd: 'minimumLeaseTtl' must be positive but was PT0S");
    }

    @Test
    void aGrantLongerThanAskedIsLoggedOnceAsAWarning() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(EtcdLeases.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try (EtcdBackend assumingOneSecond = EtcdBackend.builder().endpoints(List.of(endpoint())).requestTimeout(EtcdBackend.DEFAULT_REQUEST_TIMEOUT).minimumLeaseTtl(Duration.ofSeconds(1)).build()) {
            assertThat(assumingOneSecond.unsupportedExpire(Duration.ofSeconds(1))).isNull();
            for (int i = 0; i < 3; i++) {
                String key = uniqueKey();
                assertThat(assumingOneSecond.tryAcquire(key, "owner", Duration.ofSeconds(1)).acquired()).isTrue();
                // etcd raised the lease to its minimum of 2 s.
                assertThat(probe.grantedTtl(probe.get(key).getLease())).isEqualTo(2);
                assertThat(assumingOneSecond.release(key, "owner")).isTrue();
            }
        }
        finally {
            logger.detachAppender(events);
        }
        assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("for 2 s where 1 s was asked").contains("above the 1s this backend assumes")
                .contains("Configure the backend's minimumLeaseTtl as 2s");
    }

    @Test
    void connectRejectsMissingOrMalformedEndpointsAndTimeouts() {
        assertThatThrownBy(() -> EtcdBackend.builder().endpoints(List.of(" ", "")).build()).isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend etcd: 'endpoints' must name at least one etcd member, e.g. http://etcd-0:2379");
        assertThatThrownBy(() -> EtcdBackend.builder().endpoints("http://a:2379,etcd-1:2379").build())
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend etcd: 'endpoints' contains 'etcd-1:2379', which is not an etcd client URL."
                        + " Use the form http://host:2379 (or https://)");
        assertThatThrownBy(() -> EtcdBackend.builder().endpoints(List.of("http://a:2379")).requestTimeout(Duration.ZERO).build())
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend etcd: 'requestTimeout' must be positive but was PT0S");
    }
}
