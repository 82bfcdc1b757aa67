package dev.sherlock.testserver;

import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.Watch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the test Lease API server's concurrency and watch behaviour to kube-apiserver's, through client-java:
 * linearized writers with exactly one winner, and watches that replay every event after a resource version, in
 * order, end at {@code timeoutSeconds}, and report a compacted version as an ERROR event with 410 Expired.
 */
class LeaseApiServerWatchTests {

    private static final String NAMESPACE = "default";

    private static final Type EVENTS = new TypeToken<Watch.Response<V1Lease>>() {
    }.getType();

    private static LeaseApiServer server;

    private static CoordinationV1Api api;

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
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String uniqueName() {
        return "pin-" + UUID.randomUUID();
    }

    private static V1Lease lease(String name, String holder) {
        return new V1Lease().metadata(new V1ObjectMeta().name(name))
            .spec(new V1LeaseSpec().holderIdentity(holder).leaseDurationSeconds(15));
    }

    private static V1Lease holder(V1Lease lease, String holder) {
        V1Lease copy = JSON.deserialize(JSON.serialize(lease), V1Lease.class);
        copy.getSpec().setHolderIdentity(holder);
        return copy;
    }

    @Test
    @DisplayName("of many clients replacing from the same resourceVersion exactly one wins, the others get 409")
    void exactlyOneConcurrentWriterWins() throws Exception {
        String name = uniqueName();
        V1Lease created = api.createNamespacedLease(NAMESPACE, lease(name, "")).execute();
        int writers = 16;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String holder = "writer-" + i;
            CoordinationV1Api own = new CoordinationV1Api(server.client());
            results.add(executor.submit(() -> {
                start.await();
                try {
                    own.replaceNamespacedLease(name, NAMESPACE, holder(created, holder)).execute();
                    return 200;
                }
                catch (ApiException ex) {
                    return ex.getCode();
                }
            }));
        }
        start.countDown();
        List<Integer> codes = new ArrayList<>();
        for (Future<Integer> result : results) {
            codes.add(result.get(30, TimeUnit.SECONDS));
        }
        assertThat(codes).containsOnly(200, 409);
        assertThat(codes.stream().filter(code -> code == 200)).hasSize(1);
        assertThat(api.readNamespacedLease(name, NAMESPACE).execute().getSpec().getHolderIdentity())
            .startsWith("writer-");
    }

    @Test
    @DisplayName("of many clients creating the same Lease exactly one gets 201, the others 409 AlreadyExists")
    void exactlyOneConcurrentCreatorWins() throws Exception {
        String name = uniqueName();
        int creators = 16;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < creators; i++) {
            String holder = "creator-" + i;
            CoordinationV1Api own = new CoordinationV1Api(server.client());
            results.add(executor.submit(() -> {
                start.await();
                try {
                    return own.createNamespacedLease(NAMESPACE, lease(name, holder)).executeWithHttpInfo()
                        .getStatusCode();
                }
                catch (ApiException ex) {
                    return ex.getCode();
                }
            }));
        }
        start.countDown();
        List<Integer> codes = new ArrayList<>();
        for (Future<Integer> result : results) {
            codes.add(result.get(30, TimeUnit.SECONDS));
        }
        assertThat(codes.stream().filter(code -> code == 201)).hasSize(1);
        assertThat(codes.stream().filter(code -> code == 409)).hasSize(creators - 1);
    }

    @Test
    @DisplayName("a watch from a resourceVersion delivers every later change of the Lease in order, then DELETED")
    void watchReplaysAndFollows() throws Exception {
        String name = uniqueName();
        V1Lease created = api.createNamespacedLease(NAMESPACE, lease(name, "a")).execute();
        V1Lease second = api.replaceNamespacedLease(name, NAMESPACE, holder(created, "b")).execute();
        api.createNamespacedLease(NAMESPACE, lease(uniqueName(), "other")).execute();
        ApiClient client = server.client();
        CoordinationV1Api watching = new CoordinationV1Api(client);
        List<String> seen = new ArrayList<>();
        try (Watch<V1Lease> watch = Watch.createWatch(client, watching.listNamespacedLease(NAMESPACE)
            .fieldSelector("metadata.name=" + name)
            .resourceVersion(created.getMetadata().getResourceVersion())
            .timeoutSeconds(10)
            .watch(true)
            .buildCall(null), EVENTS)) {
            Future<?> writes = executor.submit(() -> {
                V1Lease third = api.replaceNamespacedLease(name, NAMESPACE, holder(second, null)).execute();
                api.deleteNamespacedLease(name, NAMESPACE).execute();
                return third;
            });
            for (Watch.Response<V1Lease> event : watch) {
                seen.add(event.type + " " + event.object.getSpec().getHolderIdentity() + " "
                        + event.object.getMetadata().getResourceVersion());
                if (event.type.equals("DELETED")) {
                    break;
                }
            }
            writes.get(30, TimeUnit.SECONDS);
        }
        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).isEqualTo("MODIFIED b " + second.getMetadata().getResourceVersion());
        assertThat(seen.get(1)).startsWith("MODIFIED null ");
        assertThat(seen.get(2)).startsWith("DELETED null ");
        long modified = Long.parseLong(seen.get(1).split(" ")[2]);
        long deleted = Long.parseLong(seen.get(2).split(" ")[2]);
        assertThat(deleted).isGreaterThan(modified);
    }

    @Test
    @DisplayName("a watch ends cleanly at its timeoutSeconds when nothing changes")
    void watchEndsAtTimeout() throws Exception {
        String name = uniqueName();
        V1Lease created = api.createNamespacedLease(NAMESPACE, lease(name, "a")).execute();
        ApiClient client = server.client();
        int events = 0;
        try (Watch<V1Lease> watch = Watch.createWatch(client, new CoordinationV1Api(client)
            .listNamespacedLease(NAMESPACE)
            .fieldSelector("metadata.name=" + name)
            .resourceVersion(created.getMetadata().getResourceVersion())
            .timeoutSeconds(1)
            .watch(true)
            .buildCall(null), EVENTS)) {
            for (Watch.Response<V1Lease> ignored : watch) {
                events++;
            }
        }
        assertThat(events).isZero();
    }

    @Test
    @DisplayName("a watch from a compacted resourceVersion gets an ERROR event with 410 Expired")
    void watchFromCompactedVersionExpires() throws Exception {
        try (LeaseApiServer small = LeaseApiServer.start(java.util.EnumSet.allOf(LeaseApiServer.Verb.class), 2)) {
            ApiClient client = small.client();
            CoordinationV1Api smallApi = new CoordinationV1Api(client);
            V1Lease created = smallApi.createNamespacedLease(NAMESPACE, lease("compacted", "a")).execute();
            V1Lease current = created;
            for (int i = 0; i < 3; i++) {
                current = smallApi.replaceNamespacedLease("compacted", NAMESPACE, holder(current, "h" + i)).execute();
            }
            List<Watch.Response<V1Lease>> events = new ArrayList<>();
            try (Watch<V1Lease> watch = Watch.createWatch(client, smallApi.listNamespacedLease(NAMESPACE)
                .resourceVersion(created.getMetadata().getResourceVersion())
                .timeoutSeconds(5)
                .watch(true)
                .buildCall(null), EVENTS)) {
                watch.forEach(events::add);
            }
            assertThat(events).singleElement().satisfies(event -> {
                assertThat(event.type).isEqualTo("ERROR");
                V1Status status = event.status;
                assertThat(status.getCode()).isEqualTo(410);
                assertThat(status.getReason()).isEqualTo("Expired");
                assertThat(status.getMessage()).startsWith("too old resource version: "
                        + created.getMetadata().getResourceVersion());
            });
        }
    }
}
