package dev.sherlock.kubernetes;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the Kubernetes backend writes to the Leases, and how it reads other writers' Leases. */
class KubernetesBackendTests {

    private static final String NAMESPACE = "default";

    private static LeaseApiServer server;

    private static CoordinationV1Api api;

    private final List<KubernetesBackend> backends = new ArrayList<>();

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() {
        server = LeaseApiServer.start();
        api = new CoordinationV1Api(server.client());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void closeBackends() {
        executor.shutdownNow();
        backends.forEach(KubernetesBackend::close);
    }

    private KubernetesBackend backend() {
        KubernetesBackend backend = KubernetesBackend.builder().client(server.client()).namespace(NAMESPACE).build();
        backends.add(backend);
        return backend;
    }

    private static String uniqueKey() {
        return "sherlock.test-" + UUID.randomUUID();
    }

    private static JsonObject spec(String key) {
        return server.lease(NAMESPACE, key).getAsJsonObject("spec");
    }

    private static long requests() {
        long total = 0;
        for (Verb verb : Verb.values()) {
            total += server.requests(verb);
        }
        return total;
    }

    /** A Lease written by someone else, e.g. py-sherlock or a client on a machine whose clock is off. */
    private static void foreignLease(String key, String holder, Integer durationSeconds, OffsetDateTime renewTime)
            throws ApiException {
        api.createNamespacedLease(NAMESPACE, new V1Lease().metadata(new V1ObjectMeta().name(key))
            .spec(new V1LeaseSpec().holderIdentity(holder).leaseDurationSeconds(durationSeconds)
                .acquireTime(renewTime).renewTime(renewTime).leaseTransitions(7)))
            .execute();
    }

    @Test
    @DisplayName("a held Lease carries the standard fields: holder, duration rounded up, times, transitions")
    void heldLeaseHasStandardFields() {
        KubernetesBackend backend = backend();
        String key = uniqueKey();
        AcquireResult first = backend.tryAcquire(key, "owner-1", Duration.ofMillis(1500));
        assertThat(first.acquired()).isTrue();
        JsonObject spec = spec(key);
        assertThat(spec.get("holderIdentity").getAsString()).isEqualTo("owner-1");
        assertThat(spec.get("leaseDurationSeconds").getAsInt()).isEqualTo(2);
        assertThat(spec.get("acquireTime").getAsString()).matches(".*T.*\\.\\d{6}Z");
        assertThat(spec.get("renewTime").getAsString()).isEqualTo(spec.get("acquireTime").getAsString());
        assertThat(spec.get("leaseTransitions").getAsInt()).isZero();
        JsonObject metadata = server.lease(NAMESPACE, key).getAsJsonObject("metadata");
        assertThat(metadata.getAsJsonObject("labels").get("app.kubernetes.io/managed-by").getAsString())
            .isEqualTo("sherlock");
        assertThat(metadata.getAsJsonObject("annotations").get("sherlock.dev/fencing-token").getAsLong())
            .isEqualTo(first.fencingToken());
    }

    @Test
    @DisplayName("a lock that never expires has no leaseDurationSeconds, and renewing keeps it so")
    void neverExpiringLeaseHasNoDuration() {
        KubernetesBackend backend = backend();
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "owner-1", null).acquired()).isTrue();
        assertThat(spec(key).has("leaseDurationSeconds")).isFalse();
        assertThat(backend.renew(key, "owner-1", null)).isTrue();
        assertThat(spec(key).has("leaseDurationSeconds")).isFalse();
        assertThat(backend().tryAcquire(key, "owner-2", Duration.ofSeconds(1)).holderRemaining()).isNull();
    }

    @Test
    @DisplayName("release keeps the Lease without a holder, and each acquisition raises the token and the transitions")
    void releaseKeepsLeaseAndHistory() {
        KubernetesBackend backend = backend();
        KubernetesBackend other = backend();
        String key = uniqueKey();
        long previous = 0;
        for (int i = 0; i < 4; i++) {
            KubernetesBackend acquiring = i % 2 == 0 ? backend : other;
            AcquireResult result = acquiring.tryAcquire(key, "owner-" + i, Duration.ofSeconds(30));
            assertThat(result.acquired()).isTrue();
            assertThat(result.fencingToken()).isGreaterThan(previous);
            previous = result.fencingToken();
            assertThat(spec(key).get("leaseTransitions").getAsInt()).isEqualTo(i);
            assertThat(acquiring.release(key, "owner-" + i)).isTrue();
            JsonObject spec = spec(key);
            assertThat(spec.has("holderIdentity")).isFalse();
            assertThat(spec.has("renewTime")).isFalse();
            assertThat(spec.get("leaseDurationSeconds").getAsInt()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("uncontended acquire and release take one request each once the Lease exists")
    void uncontendedAcquireReleaseTakesTwoRequests() {
        KubernetesBackend backend = backend();
        String key = uniqueKey();
        long before = requests();
        assertThat(backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(backend.release(key, "owner-1")).isTrue();
        assertThat(requests() - before).as("create, then update").isEqualTo(2);
        before = requests();
        for (int i = 2; i < 12; i++) {
            assertThat(backend.tryAcquire(key, "owner-" + i, Duration.ofSeconds(30)).acquired()).isTrue();
            assertThat(backend.release(key, "owner-" + i)).isTrue();
        }
        assertThat(requests() - before).as("an update each").isEqualTo(20);
    }

    @Test
    @DisplayName("of many clients racing for a free Lease exactly one acquires; the others are told it is held")
    void racingClientsHaveOneWinner() throws Exception {
        String key = uniqueKey();
        KubernetesBackend first = backend();
        first.tryAcquire(key, "warm-up", Duration.ofSeconds(30));
        first.release(key, "warm-up");
        int clients = 12;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AcquireResult>> results = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            KubernetesBackend backend = backend();
            // Each client has seen the free Lease, so all of them try to replace the same version.
            assertThat(backend.isLocked(key)).isFalse();
            String owner = "racer-" + i;
            results.add(executor.submit(() -> {
                start.await();
                return backend.tryAcquire(key, owner, Duration.ofSeconds(30));
            }));
        }
        start.countDown();
        int winners = 0;
        for (Future<AcquireResult> result : results) {
            winners += result.get(30, TimeUnit.SECONDS).acquired() ? 1 : 0;
        }
        assertThat(winners).isEqualTo(1);
        assertThat(spec(key).get("holderIdentity").getAsString()).startsWith("racer-");
    }

    @Test
    @DisplayName("a Lease whose renewTime is an hour old is not taken before it stayed unchanged for its duration here")
    void oldRenewTimeIsNotTrusted() throws Exception {
        String key = uniqueKey();
        foreignLease(key, "clock-behind", 2, OffsetDateTime.now(ZoneOffset.UTC).minusHours(1));
        KubernetesBackend backend = backend();
        AcquireResult refused = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        assertThat(refused.acquired()).isFalse();
        assertThat(refused.holderRemaining()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(backend.isLocked(key)).isTrue();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired());
        assertThat(spec(key).get("holderIdentity").getAsString()).isEqualTo("owner-1");
    }

    @Test
    @DisplayName("a Lease renewed 'in the future' by a skewed clock expires by this client's clock all the same")
    void futureRenewTimeIsNotTrusted() throws Exception {
        String key = uniqueKey();
        foreignLease(key, "clock-ahead", 1, OffsetDateTime.now(ZoneOffset.UTC).plusHours(1));
        KubernetesBackend backend = backend();
        assertThat(backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired()).isFalse();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired());
    }

    @Test
    @DisplayName("a foreign holder that keeps renewing is never taken over")
    void renewingForeignHolderKeepsLease() throws Exception {
        String key = uniqueKey();
        foreignLease(key, "renewing", 1, OffsetDateTime.now(ZoneOffset.UTC));
        KubernetesBackend backend = backend();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() - until < 0) {
            V1Lease current = api.readNamespacedLease(key, NAMESPACE).execute();
            current.getSpec().setRenewTime(OffsetDateTime.now(ZoneOffset.UTC));
            api.replaceNamespacedLease(key, NAMESPACE, current).execute();
            assertThat(backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired()).isFalse();
            Thread.sleep(200);
        }
        assertThat(spec(key).get("holderIdentity").getAsString()).isEqualTo("renewing");
    }

    @Test
    @DisplayName("a py-sherlock Lease without leaseDurationSeconds never expires; once deleted, the lock is free")
    void pySherlockNeverExpiringLease() throws Exception {
        String key = uniqueKey();
        foreignLease(key, UUID.randomUUID().toString(), null, OffsetDateTime.now(ZoneOffset.UTC).minusDays(1));
        KubernetesBackend backend = backend();
        AcquireResult refused = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(1));
        assertThat(refused.acquired()).isFalse();
        assertThat(refused.holderRemaining()).isNull();
        api.deleteNamespacedLease(key, NAMESPACE).execute();
        assertThat(backend.isLocked(key)).isFalse();
        AcquireResult acquired = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(1));
        assertThat(acquired.acquired()).isTrue();
        assertThat(acquired.fencingToken()).isGreaterThan(7);
    }

    @Test
    @DisplayName("fencing tokens keep increasing when someone deletes the Lease between two holds")
    void tokensSurviveLeaseDeletion() throws Exception {
        KubernetesBackend backend = backend();
        String key = uniqueKey();
        AcquireResult first = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        backend.release(key, "owner-1");
        api.deleteNamespacedLease(key, NAMESPACE).execute();
        AcquireResult second = backend().tryAcquire(key, "owner-2", Duration.ofSeconds(30));
        assertThat(second.acquired()).isTrue();
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        AcquireResult third = backend.tryAcquire(key, "owner-3", Duration.ofSeconds(30));
        assertThat(third.acquired()).isFalse();
    }

    @Test
    @DisplayName("release and renew by a former holder after a takeover return false and leave the new holder")
    void formerHolderCannotTouchNewHold() {
        KubernetesBackend stale = backend();
        KubernetesBackend next = backend();
        String key = uniqueKey();
        assertThat(stale.tryAcquire(key, "stale", Duration.ofSeconds(1)).acquired()).isTrue();
        await().atMost(Duration.ofSeconds(20))
            .until(() -> next.tryAcquire(key, "next", Duration.ofSeconds(30)).acquired());
        assertThat(stale.renew(key, "stale", Duration.ofSeconds(30))).isFalse();
        assertThat(stale.release(key, "stale")).isFalse();
        assertThat(spec(key).get("holderIdentity").getAsString()).isEqualTo("next");
        assertThat(next.renew(key, "next", Duration.ofSeconds(30))).isTrue();
    }

    @Test
    @DisplayName("KubernetesLock is a lock on the backend")
    void kubernetesLockHandle() {
        KubernetesLock lock = new KubernetesLock("orders", server.client(), NAMESPACE, "handles",
                LockSettings.defaults());
        assertThat(lock.acquire(false)).isTrue();
        assertThat(server.lease(NAMESPACE, "sherlock.handles.orders")).isNotNull();
        assertThat(new BackendLock("orders", backend(), "handles", LockSettings.defaults()).acquire(false)).isFalse();
        lock.release();
        lock.backend().close();
    }
}
