package dev.sherlock.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.google.gson.JsonObject;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.FaultProxy;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import io.kubernetes.client.util.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests the API server applied but whose reply was lost: OkHttp sends such a request again by itself when it
 * went out on a reused connection, and the core repeats a call that failed. Either way the second copy meets the
 * first one's result, and must be recognised as this owner's own work, not as someone else's lock.
 */
class KubernetesBackendResendTests {

    private static final String NAMESPACE = "default";

    private LeaseApiServer server;

    private FaultProxy proxy;

    private final List<KubernetesBackend> backends = new ArrayList<>();

    @BeforeEach
    void start() {
        server = LeaseApiServer.start();
        proxy = FaultProxy.to("127.0.0.1", server.port());
    }

    @AfterEach
    void stop() {
        backends.forEach(KubernetesBackend::close);
        proxy.close();
        server.close();
    }

    /** A backend whose requests go through the fault proxy. */
    private KubernetesBackend proxied() {
        KubernetesBackend backend = KubernetesBackend.builder().client(Config.fromUrl("http://127.0.0.1:" + proxy.port(), false)).namespace(NAMESPACE).build();
        backends.add(backend);
        return backend;
    }

    private KubernetesBackend direct() {
        KubernetesBackend backend = KubernetesBackend.builder().client(server.client()).namespace(NAMESPACE).build();
        backends.add(backend);
        return backend;
    }

    private static String uniqueKey() {
        return "sherlock.resend-" + UUID.randomUUID();
    }

    private JsonObject lease(String key) {
        return server.lease(NAMESPACE, key);
    }

    private static String annotation(JsonObject lease, String name) {
        JsonObject annotations = lease.getAsJsonObject("metadata").getAsJsonObject("annotations");
        return annotations != null && annotations.has(name) ? annotations.get(name).getAsString() : null;
    }

    @Test
    @DisplayName("a release whose reply is lost and that OkHttp resends answers true, and the Lease names its owner")
    void resentReleaseAnswersTrue() throws Exception {
        KubernetesBackend backend = proxied();
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        long updates = server.requests(Verb.UPDATE);
        proxy.dropReplyAndReset(request -> request.startsWith("PUT "));
        assertThat(backend.release(key, "owner-1")).isTrue();
        assertThat(proxy.awaitDrop(Duration.ofSeconds(5))).isTrue();
        assertThat(server.requests(Verb.UPDATE) - updates).as("the update and OkHttp's resend of it").isEqualTo(2);
        JsonObject released = lease(key);
        assertThat(released.getAsJsonObject("spec").has("holderIdentity")).isFalse();
        assertThat(annotation(released, KubernetesBackend.RELEASED_BY_ANNOTATION)).isEqualTo("owner-1");
    }

    @Test
    @DisplayName("a create whose reply is lost and that OkHttp resends acquires, with the token the first copy wrote")
    void resentCreateAcquires() throws Exception {
        KubernetesBackend backend = proxied();
        String key = uniqueKey();
        // A request on a fresh connection is not resent: warm the connection first.
        assertThat(backend.isLocked(key)).isFalse();
        proxy.dropReplyAndReset(request -> request.startsWith("POST "));
        AcquireResult result = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        assertThat(proxy.awaitDrop(Duration.ofSeconds(5))).isTrue();
        assertThat(server.requests(Verb.CREATE)).as("the create and OkHttp's resend of it").isEqualTo(2);
        assertThat(result.acquired()).isTrue();
        assertThat(result.fencingToken())
            .isEqualTo(Long.parseLong(annotation(lease(key), KubernetesBackend.FENCING_TOKEN_ANNOTATION)));
        assertThat(lease(key).getAsJsonObject("spec").get("holderIdentity").getAsString()).isEqualTo("owner-1");
    }

    @Test
    @DisplayName("a takeover whose reply is lost and that OkHttp resends acquires, with the token the first copy wrote")
    void resentReplaceAcquires() throws Exception {
        String key = uniqueKey();
        KubernetesBackend previous = direct();
        assertThat(previous.tryAcquire(key, "previous", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(previous.release(key, "previous")).isTrue();
        // A client that has not seen the Lease yet: its create fails, it reads the free Lease, then replaces it.
        KubernetesBackend backend = proxied();
        proxy.dropReplyAndReset(request -> request.startsWith("PUT "));
        AcquireResult result = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        assertThat(proxy.awaitDrop(Duration.ofSeconds(5))).isTrue();
        assertThat(result.acquired()).as("its own resent takeover is not someone else's hold").isTrue();
        assertThat(result.fencingToken())
            .isEqualTo(Long.parseLong(annotation(lease(key), KubernetesBackend.FENCING_TOKEN_ANNOTATION)));
        assertThat(lease(key).getAsJsonObject("spec").get("holderIdentity").getAsString()).isEqualTo("owner-1");
    }

    @Test
    @DisplayName("an acquire repeated by the same owner is acquired again with the same token")
    void repeatedAcquireKeepsToken() {
        KubernetesBackend backend = direct();
        String key = uniqueKey();
        AcquireResult first = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        AcquireResult again = backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        AcquireResult elsewhere = direct().tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(elsewhere.acquired()).isTrue();
        assertThat(elsewhere.fencingToken()).isEqualTo(first.fencingToken());
        assertThat(direct().tryAcquire(key, "owner-2", Duration.ofSeconds(30)).acquired()).isFalse();
    }

    @Test
    @DisplayName("a release repeated by the same owner answers true, also once another owner holds the lock")
    void repeatedReleaseAnswersTrue() {
        KubernetesBackend backend = direct();
        String key = uniqueKey();
        backend.tryAcquire(key, "owner-1", Duration.ofSeconds(30));
        assertThat(backend.release(key, "owner-1")).isTrue();
        assertThat(backend.release(key, "owner-1")).isTrue();
        assertThat(direct().release(key, "owner-1")).as("judged from the Lease, not from a cache").isTrue();
        KubernetesBackend next = direct();
        assertThat(next.tryAcquire(key, "owner-2", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(backend.release(key, "owner-1")).as("owner-1's release was applied before owner-2 came").isTrue();
        assertThat(lease(key).getAsJsonObject("spec").get("holderIdentity").getAsString()).isEqualTo("owner-2");
        assertThat(backend.release(key, "owner-3")).as("an owner that never released").isFalse();
    }

    @Test
    @DisplayName("a release of an expired hold answers false, however often it is repeated")
    void repeatedReleaseOfExpiredHoldAnswersFalse() {
        KubernetesBackend backend = direct();
        String key = uniqueKey();
        backend.tryAcquire(key, "owner-1", Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> !backend.isLocked(key));
        assertThat(backend.release(key, "owner-1")).isFalse();
        assertThat(lease(key).getAsJsonObject("spec").has("holderIdentity")).isFalse();
        assertThat(annotation(lease(key), KubernetesBackend.RELEASED_BY_ANNOTATION)).isNull();
        assertThat(backend.release(key, "owner-1")).isFalse();
    }
}
