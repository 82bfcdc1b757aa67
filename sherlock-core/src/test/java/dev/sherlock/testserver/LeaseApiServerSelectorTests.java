package dev.sherlock.testserver;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.google.gson.JsonObject;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Pins label selectors on list and watch to kube-apiserver's ({@code labels.Parse} and {@code Requirement.Matches}
 * in k8s.io/apimachinery/pkg/labels): every operator, and a 400 BadRequest with the parser's message for a selector
 * that does not parse, so {@code kubectl get leases -l app.kubernetes.io/managed-by=sherlock} works as documented.
 */
class LeaseApiServerSelectorTests {

    private static LeaseApiServer server;

    private static CoordinationV1Api api;

    private static String run;

    @BeforeAll
    static void start() throws ApiException {
        server = LeaseApiServer.start();
        api = new CoordinationV1Api(server.client());
        // Each Lease is tagged with this run, so selectors can be combined with it.
        run = "r" + UUID.randomUUID().toString().substring(0, 8);
        create("plain", Map.of());
        create("sherlock-a", Map.of("app.kubernetes.io/managed-by", "sherlock", "tier", "1"));
        create("sherlock-b", Map.of("app.kubernetes.io/managed-by", "sherlock", "tier", "5"));
        create("other", Map.of("app.kubernetes.io/managed-by", "helm", "tier", "high"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void create(String name, Map<String, String> labels) throws ApiException {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.put("run", run);
        api.createNamespacedLease("default", new V1Lease().metadata(new V1ObjectMeta().name(run + "-" + name)
            .labels(all)).spec(new V1LeaseSpec().holderIdentity("x"))).execute();
    }

    private static List<String> names(String selector) throws ApiException {
        return api.listNamespacedLease("default").labelSelector("run=" + run + "," + selector).execute().getItems()
            .stream()
            .map(lease -> lease.getMetadata().getName().substring(run.length() + 1))
            .sorted()
            .toList();
    }

    private static V1Status refused(String selector) {
        ApiException ex = assertThrows(ApiException.class,
                () -> api.listNamespacedLease("default").labelSelector(selector).execute());
        assertThat(ex.getCode()).as(selector).isEqualTo(400);
        V1Status status = JSON.deserialize(ex.getResponseBody(), V1Status.class);
        assertThat(status.getKind()).isEqualTo("Status");
        assertThat(status.getReason()).isEqualTo("BadRequest");
        assertThat(status.getCode()).isEqualTo(400);
        return status;
    }

    @Test
    @DisplayName("equality, inequality, existence and absence select as kube-apiserver does")
    void equalityAndExistence() throws ApiException {
        assertThat(names("app.kubernetes.io/managed-by=sherlock")).containsExactly("sherlock-a", "sherlock-b");
        assertThat(names("app.kubernetes.io/managed-by==sherlock")).containsExactly("sherlock-a", "sherlock-b");
        assertThat(names("app.kubernetes.io/managed-by!=sherlock")).containsExactly("other", "plain");
        assertThat(names("tier")).containsExactly("other", "sherlock-a", "sherlock-b");
        assertThat(names("!tier")).containsExactly("plain");
        assertThat(names("app.kubernetes.io/managed-by=sherlock,tier=5")).containsExactly("sherlock-b");
        assertThat(names(" tier = 1 ")).containsExactly("sherlock-a");
    }

    @Test
    @DisplayName("in, notin, and the integer comparisons gt and lt select as kube-apiserver does")
    void setsAndComparisons() throws ApiException {
        assertThat(names("tier in (1,high)")).containsExactly("other", "sherlock-a");
        assertThat(names("tier notin (1,high)")).containsExactly("plain", "sherlock-b");
        assertThat(names("tier>2")).containsExactly("sherlock-b");
        assertThat(names("tier<2")).containsExactly("sherlock-a");
        assertThat(names("app.kubernetes.io/managed-by in (in,notin)")).isEmpty();
    }

    @Test
    @DisplayName("a selector that does not parse answers 400 BadRequest with the parser's message")
    void unparsableSelectorsAnswerBadRequest() {
        assertThat(refused("a==b==c").getMessage()).isEqualTo("found '==', expected: ',' or 'end of string'");
        assertThat(refused("a b").getMessage()).isEqualTo("unable to parse requirement: found 'b', expected: in,"
                + " notin, =, ==, !=, gt, lt");
        assertThat(refused("a,").getMessage()).isEqualTo("found '', expected: identifier after ','");
        assertThat(refused("=a").getMessage()).isEqualTo("found '=', expected: !, identifier, or 'end of string'");
        assertThat(refused("a in (b").getMessage()).isEqualTo("unable to parse requirement: found '', expected: ','"
                + " or ')'");
        assertThat(refused("a in b").getMessage()).isEqualTo("unable to parse requirement: found 'b' expected: '('");
        assertThat(refused("-a=b").getMessage()).isEqualTo("unable to parse requirement: <nil>: Invalid value:"
                + " \"-a\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end"
                + " with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for"
                + " validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        assertThat(refused("a=-b").getMessage()).startsWith("unable to parse requirement: values[0][a]: Invalid"
                + " value: \"-b\": a valid label must be an empty string or consist of alphanumeric characters");
        assertThat(refused("a>b").getMessage()).isEqualTo("unable to parse requirement: values[0]: Invalid value:"
                + " \"b\": for 'Gt', 'Lt' operators, the value must be an integer");
    }

    @Test
    @DisplayName("a label-selected watch sees a Lease that starts matching as ADDED, one that stops as DELETED")
    void watchFollowsSelectorChanges() throws Exception {
        String name = run + "-watched";
        V1Lease created = api.createNamespacedLease("default", new V1Lease().metadata(new V1ObjectMeta().name(name)
            .labels(Map.of("run", run + "-w")))).execute();
        LeaseApiHttp http = new LeaseApiHttp(server);
        String from = created.getMetadata().getResourceVersion();
        V1Lease labelled = api.replaceNamespacedLease(name, "default", created.metadata(created.getMetadata()
            .labels(Map.of("run", run + "-w", "watched", "yes")))).execute();
        V1Lease renamed = api.replaceNamespacedLease(name, "default", labelled.metadata(labelled.getMetadata()
            .labels(Map.of("run", run + "-w", "watched", "no")))).execute();
        List<JsonObject> events = http.watch("labelSelector=watched%3Dyes&resourceVersion=" + from
                + "&timeoutSeconds=1");
        assertThat(events).extracting(event -> event.get("type").getAsString()).containsExactly("ADDED", "DELETED");
        JsonObject deleted = events.get(1).getAsJsonObject("object");
        assertThat(deleted.getAsJsonObject("metadata").getAsJsonObject("labels").get("watched").getAsString())
            .as("the DELETED event carries the last matching state").isEqualTo("yes");
        assertThat(deleted.getAsJsonObject("metadata").get("resourceVersion").getAsString())
            .as("stamped with the change's version").isEqualTo(renamed.getMetadata().getResourceVersion());
    }
}
