package dev.sherlock.testserver;

import java.util.Set;
import java.util.UUID;

import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.ApiResponse;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Preconditions;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.PatchUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Pins the test Lease API server to kube-apiserver's documented behaviour, through the real client-java stack:
 * status codes, {@code Status} bodies (reason, message, details) as k8s.io/apimachinery/pkg/api/errors builds them,
 * and optimistic concurrency on {@code resourceVersion} (api-concepts "Resource versions", "Conflicts").
 */
class LeaseApiServerTests {

    private static final String NAMESPACE = "default";

    private static LeaseApiServer server;

    private static ApiClient client;

    private static CoordinationV1Api api;

    @BeforeAll
    static void start() {
        server = LeaseApiServer.start();
        client = server.client();
        api = new CoordinationV1Api(client);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String uniqueName() {
        return "pin-" + UUID.randomUUID();
    }

    private static V1Lease lease(String name, String holder) {
        return new V1Lease().metadata(new V1ObjectMeta().name(name))
            .spec(new V1LeaseSpec().holderIdentity(holder).leaseDurationSeconds(15).leaseTransitions(0));
    }

    private static V1Lease create(String name) throws ApiException {
        return api.createNamespacedLease(NAMESPACE, lease(name, "a")).execute();
    }

    private static ApiException refused(Executable call) {
        return assertThrows(ApiException.class, call);
    }

    private static V1Status status(ApiException ex) {
        return JSON.deserialize(ex.getResponseBody(), V1Status.class);
    }

    private static V1Lease withVersion(V1Lease lease, String resourceVersion, String holder) {
        V1Lease copy = JSON.deserialize(JSON.serialize(lease), V1Lease.class);
        copy.getMetadata().setResourceVersion(resourceVersion);
        copy.getSpec().setHolderIdentity(holder);
        return copy;
    }

    private static V1Lease mergePatch(String name, String patch) throws ApiException {
        return PatchUtils.patch(V1Lease.class,
                () -> api.patchNamespacedLease(name, NAMESPACE, new V1Patch(patch)).buildCall(null),
                V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, client);
    }

    @Test
    @DisplayName("create answers 201 with a numeric resourceVersion, a uid and the server's apiVersion and kind")
    void createAnswers201WithResourceVersion() throws ApiException {
        String name = uniqueName();
        ApiResponse<V1Lease> response = api.createNamespacedLease(NAMESPACE, lease(name, "a")).executeWithHttpInfo();
        assertThat(response.getStatusCode()).isEqualTo(201);
        V1Lease created = response.getData();
        assertThat(created.getMetadata().getResourceVersion()).matches("[1-9][0-9]*");
        assertThat(created.getMetadata().getUid()).isNotBlank();
        assertThat(created.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(created.getMetadata().getCreationTimestamp()).isNotNull();
        assertThat(created.getApiVersion()).isEqualTo("coordination.k8s.io/v1");
        assertThat(created.getKind()).isEqualTo("Lease");
        assertThat(api.readNamespacedLease(name, NAMESPACE).execute()).isEqualTo(created);
    }

    @Test
    @DisplayName("a duplicate create answers 409 AlreadyExists and leaves the first object")
    void duplicateCreateAnswersAlreadyExists() throws ApiException {
        String name = uniqueName();
        V1Lease first = create(name);
        ApiException ex = refused(() -> api.createNamespacedLease(NAMESPACE, lease(name, "b")).execute());
        assertThat(ex.getCode()).isEqualTo(409);
        V1Status status = status(ex);
        assertThat(status.getReason()).isEqualTo("AlreadyExists");
        assertThat(status.getMessage()).isEqualTo("leases.coordination.k8s.io \"" + name + "\" already exists");
        assertThat(status.getDetails().getName()).isEqualTo(name);
        assertThat(status.getDetails().getGroup()).isEqualTo("coordination.k8s.io");
        assertThat(status.getDetails().getKind()).isEqualTo("leases");
        assertThat(status.getCode()).isEqualTo(409);
        assertThat(api.readNamespacedLease(name, NAMESPACE).execute()).isEqualTo(first);
    }

    @Test
    @DisplayName("a get of a missing Lease answers 404 with a NotFound Status")
    void missingAnswersNotFound() {
        String name = uniqueName();
        ApiException ex = refused(() -> api.readNamespacedLease(name, NAMESPACE).execute());
        assertThat(ex.getCode()).isEqualTo(404);
        V1Status status = status(ex);
        assertThat(status.getKind()).isEqualTo("Status");
        assertThat(status.getStatus()).isEqualTo("Failure");
        assertThat(status.getReason()).isEqualTo("NotFound");
        assertThat(status.getMessage()).isEqualTo("leases.coordination.k8s.io \"" + name + "\" not found");
        assertThat(status.getDetails().getKind()).isEqualTo("leases");
        ApiException update = refused(() -> api.replaceNamespacedLease(name, NAMESPACE, lease(name, "a")).execute());
        assertThat(update.getCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("a create in a namespace that does not exist answers 404 naming the namespace")
    void missingNamespaceAnswersNotFound() {
        ApiException ex = refused(() -> api.createNamespacedLease("nowhere", lease(uniqueName(), "a")).execute());
        assertThat(ex.getCode()).isEqualTo(404);
        assertThat(status(ex).getMessage()).isEqualTo("namespaces \"nowhere\" not found");
        assertThat(status(ex).getDetails().getKind()).isEqualTo("namespaces");
    }

    @Test
    @DisplayName("an update at the current resourceVersion succeeds and yields a new one")
    void updateAtCurrentVersionSucceeds() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        String version = created.getMetadata().getResourceVersion();
        V1Lease updated = api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, version, "b")).execute();
        assertThat(updated.getSpec().getHolderIdentity()).isEqualTo("b");
        assertThat(Long.parseLong(updated.getMetadata().getResourceVersion())).isGreaterThan(Long.parseLong(version));
        assertThat(updated.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(updated.getMetadata().getCreationTimestamp())
            .isEqualTo(created.getMetadata().getCreationTimestamp());
    }

    @Test
    @DisplayName("an update at a stale resourceVersion answers 409 Conflict and changes nothing")
    void staleUpdateAnswersConflict() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        String stale = created.getMetadata().getResourceVersion();
        V1Lease current = api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, stale, "b")).execute();
        ApiException ex = refused(() -> api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, stale, "c"))
            .execute());
        assertThat(ex.getCode()).isEqualTo(409);
        V1Status status = status(ex);
        assertThat(status.getReason()).isEqualTo("Conflict");
        assertThat(status.getMessage()).isEqualTo("Operation cannot be fulfilled on leases.coordination.k8s.io \""
                + name + "\": the object has been modified; please apply your changes to the latest version and try"
                + " again");
        assertThat(status.getDetails().getName()).isEqualTo(name);
        assertThat(api.readNamespacedLease(name, NAMESPACE).execute()).isEqualTo(current);
    }

    @Test
    @DisplayName("an update at a resourceVersion the server never issued answers 409 Conflict")
    void bogusUpdateAnswersConflict() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        ApiException ex = refused(() -> api.replaceNamespacedLease(name, NAMESPACE,
                withVersion(created, "987654321987", "b")).execute());
        assertThat(ex.getCode()).isEqualTo(409);
        assertThat(status(ex).getReason()).isEqualTo("Conflict");
    }

    @Test
    @DisplayName("a resourceVersion that is not a number fails as the API server's strconv error: 500, no reason")
    void malformedVersionAnswersInternalError() throws ApiException {
        // registry.Store.Update parses it with strconv.ParseUint; the error is not a Status (responsewriters).
        String name = uniqueName();
        V1Lease created = create(name);
        ApiException ex = refused(() -> api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, "abc", "b"))
            .execute());
        assertThat(ex.getCode()).isEqualTo(500);
        assertThat(status(ex).getReason()).isNull();
        assertThat(status(ex).getMessage()).isEqualTo("strconv.ParseUint: parsing \"abc\": invalid syntax");
    }

    @Test
    @DisplayName("an update without a resourceVersion is unconditional, as Leases allow")
    void updateWithoutVersionIsUnconditional() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        V1Lease updated = api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, null, "b")).execute();
        assertThat(updated.getSpec().getHolderIdentity()).isEqualTo("b");
    }

    @Test
    @DisplayName("an update that changes nothing keeps the resourceVersion")
    void noOpUpdateKeepsVersion() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        String version = created.getMetadata().getResourceVersion();
        V1Lease same = api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, version, "a")).execute();
        assertThat(same.getMetadata().getResourceVersion()).isEqualTo(version);
    }

    @Test
    @DisplayName("a merge patch with a stale or bogus resourceVersion answers 409 Conflict; the current one applies")
    void mergePatchHonoursVersion() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        String stale = created.getMetadata().getResourceVersion();
        V1Lease patched = mergePatch(name, "{\"metadata\":{\"resourceVersion\":\"" + stale
                + "\"},\"spec\":{\"holderIdentity\":\"b\"}}");
        assertThat(patched.getSpec().getHolderIdentity()).isEqualTo("b");
        assertThat(patched.getSpec().getLeaseDurationSeconds()).isEqualTo(15);
        for (String version : new String[] { stale, "987654321987" }) {
            ApiException ex = refused(() -> mergePatch(name, "{\"metadata\":{\"resourceVersion\":\"" + version
                    + "\"},\"spec\":{\"holderIdentity\":\"c\"}}"));
            assertThat(ex.getCode()).isEqualTo(409);
            assertThat(status(ex).getReason()).isEqualTo("Conflict");
        }
        V1Lease cleared = mergePatch(name, "{\"spec\":{\"holderIdentity\":null}}");
        assertThat(cleared.getSpec().getHolderIdentity()).isNull();
    }

    @Test
    @DisplayName("delete honours resourceVersion and uid preconditions with 409, then deletes with a Success Status")
    void deleteHonoursPreconditions() throws ApiException {
        String name = uniqueName();
        V1Lease created = create(name);
        String stale = created.getMetadata().getResourceVersion();
        V1Lease current = api.replaceNamespacedLease(name, NAMESPACE, withVersion(created, stale, "b")).execute();
        ApiException byVersion = refused(() -> api.deleteNamespacedLease(name, NAMESPACE)
            .body(new V1DeleteOptions().preconditions(new V1Preconditions().resourceVersion(stale)))
            .execute());
        assertThat(byVersion.getCode()).isEqualTo(409);
        assertThat(status(byVersion).getReason()).isEqualTo("Conflict");
        assertThat(status(byVersion).getMessage()).isEqualTo("Operation cannot be fulfilled on"
                + " leases.coordination.k8s.io \"" + name + "\": StorageError: invalid object, Code: 4, Key:"
                + " /registry/leases/default/" + name + ", ResourceVersion: 0, AdditionalErrorMsg: Precondition"
                + " failed: ResourceVersion in precondition: " + stale + ", ResourceVersion in object meta: "
                + current.getMetadata().getResourceVersion());
        ApiException byUid = refused(() -> api.deleteNamespacedLease(name, NAMESPACE)
            .body(new V1DeleteOptions().preconditions(new V1Preconditions().uid("another-uid")))
            .execute());
        assertThat(byUid.getCode()).isEqualTo(409);
        assertThat(status(byUid).getMessage()).contains("Precondition failed: UID in precondition: another-uid");
        assertThat(server.lease(NAMESPACE, name)).isNotNull();

        V1Status deleted = api.deleteNamespacedLease(name, NAMESPACE)
            .body(new V1DeleteOptions().preconditions(new V1Preconditions()
                .resourceVersion(current.getMetadata().getResourceVersion())
                .uid(current.getMetadata().getUid())))
            .execute();
        assertThat(deleted.getStatus()).isEqualTo("Success");
        assertThat(deleted.getDetails().getUid()).isEqualTo(created.getMetadata().getUid());
        assertThat(refused(() -> api.readNamespacedLease(name, NAMESPACE).execute()).getCode()).isEqualTo(404);
        assertThat(refused(() -> api.deleteNamespacedLease(name, NAMESPACE).execute()).getCode()).isEqualTo(404);
    }

    @Test
    @DisplayName("names that are not DNS-1123 subdomains and non-positive durations answer 422 Invalid")
    void invalidAnswersUnprocessable() {
        ApiException name = refused(() -> api.createNamespacedLease(NAMESPACE, lease("Orders_1", "a")).execute());
        assertThat(name.getCode()).isEqualTo(422);
        assertThat(status(name).getReason()).isEqualTo("Invalid");
        assertThat(status(name).getMessage()).startsWith("Lease.coordination.k8s.io \"Orders_1\" is invalid:"
                + " metadata.name: Invalid value: \"Orders_1\": a lowercase RFC 1123 subdomain");
        assertThat(status(name).getDetails().getCauses()).singleElement()
            .satisfies(cause -> assertThat(cause.getField()).isEqualTo("metadata.name"));
        V1Lease zero = lease(uniqueName(), "a");
        zero.getSpec().setLeaseDurationSeconds(0);
        ApiException duration = refused(() -> api.createNamespacedLease(NAMESPACE, zero).execute());
        assertThat(duration.getCode()).isEqualTo(422);
        assertThat(status(duration).getMessage()).endsWith("spec.leaseDurationSeconds: Invalid value: 0: must be"
                + " greater than 0");
        String tooLong = "a." + "b".repeat(252);
        ApiException length = refused(() -> api.createNamespacedLease(NAMESPACE, lease(tooLong, "a")).execute());
        assertThat(length.getCode()).isEqualTo(422);
        assertThat(status(length).getMessage()).endsWith("must be no more than 253 characters");
    }

    @Test
    @DisplayName("a verb RBAC does not allow answers 403 Forbidden naming the verb")
    void forbiddenVerbAnswersForbidden() throws ApiException {
        try (LeaseApiServer restricted = LeaseApiServer.start(Set.of(LeaseApiServer.Verb.GET), 100)) {
            CoordinationV1Api restrictedApi = new CoordinationV1Api(restricted.client());
            ApiException ex = refused(() -> restrictedApi.createNamespacedLease(NAMESPACE, lease("x", "a")).execute());
            assertThat(ex.getCode()).isEqualTo(403);
            assertThat(status(ex).getReason()).isEqualTo("Forbidden");
            assertThat(status(ex).getMessage()).contains("cannot create resource \"leases\" in API group"
                    + " \"coordination.k8s.io\" in the namespace \"default\"");
            assertThat(restricted.requests(LeaseApiServer.Verb.CREATE)).isEqualTo(1);
            assertThat(restricted.leases(NAMESPACE)).isEmpty();
        }
    }
}
