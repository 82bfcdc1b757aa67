package dev.sherlock.testserver;

import java.util.EnumSet;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sherlock.testserver.LeaseApiHttp.Answer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The test server's {@code SelfSubjectAccessReview}s: the review sent back with a status, as kube-apiserver answers
 * one, decided by the same rules as its Lease requests.
 */
class LeaseApiServerAccessReviewTests {

    private LeaseApiServer server;

    private LeaseApiHttp http;

    @BeforeEach
    void start() {
        server = LeaseApiServer.start();
        server.createNamespace("billing");
        http = new LeaseApiHttp(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String review(String namespace, String verb) {
        return "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":"
                + "{\"resourceAttributes\":{\"namespace\":\"" + namespace + "\",\"verb\":\"" + verb + "\","
                + "\"group\":\"coordination.k8s.io\",\"resource\":\"leases\"}}}";
    }

    private Answer ask(String json) {
        return http.send("POST", AccessReviews.PATH, json, "application/json");
    }

    @Test
    void anAllowedVerbIsAnsweredWithTheReviewAndAllowedWithTheBindingAsReason() {
        Answer answer = ask(review("billing", "get"));
        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.body().get("kind").getAsString()).isEqualTo("SelfSubjectAccessReview");
        assertThat(answer.body().get("apiVersion").getAsString()).isEqualTo("authorization.k8s.io/v1");
        assertThat(answer.body().get("spec")).isEqualTo(JsonParser.parseString(review("billing", "get"))
            .getAsJsonObject().get("spec"));
        JsonObject status = answer.body().getAsJsonObject("status");
        assertThat(status.get("allowed").getAsBoolean()).isTrue();
        assertThat(status.get("reason").getAsString()).startsWith("RBAC: allowed by RoleBinding");
        assertThat(status.has("denied")).isFalse();
        assertThat(server.accessReviews()).isEqualTo(1);
    }

    @Test
    void aDeniedVerbIsNotAllowedWithoutReasonAsRbacAnswersIt() {
        server.deny("billing", "watch");
        JsonObject status = ask(review("billing", "watch")).body().getAsJsonObject("status");
        assertThat(status.entrySet()).hasSize(1);
        assertThat(status.get("allowed").getAsBoolean()).isFalse();
        assertThat(ask(review("default", "watch")).body().getAsJsonObject("status").get("allowed").getAsBoolean())
            .as("only in the namespace denied").isTrue();
        assertThat(ask(review("billing", "get")).body().getAsJsonObject("status").get("allowed").getAsBoolean())
            .isTrue();
    }

    @Test
    void aDeniedVerbRefusesTheLeaseRequestsInThatNamespaceOnly() {
        server.deny("billing", "list");
        assertThat(http.get("/apis/coordination.k8s.io/v1/namespaces/billing/leases").status()).isEqualTo(403);
        assertThat(http.get(LeaseApiHttp.LEASES).status()).isEqualTo(200);
    }

    @Test
    void verbsTheServerWasStartedWithoutAreNotAllowedEverywhere() {
        try (LeaseApiServer limited = LeaseApiServer.start(EnumSet.of(Verb.GET), 100)) {
            LeaseApiHttp limitedHttp = new LeaseApiHttp(limited);
            Answer create = limitedHttp.send("POST", AccessReviews.PATH, review("default", "create"),
                    "application/json");
            Answer get = limitedHttp.send("POST", AccessReviews.PATH, review("default", "get"), "application/json");
            assertThat(create.body().getAsJsonObject("status").get("allowed").getAsBoolean()).isFalse();
            assertThat(get.body().getAsJsonObject("status").get("allowed").getAsBoolean()).isTrue();
        }
    }

    @Test
    void aReviewWithoutAttributesIsInvalid() {
        Answer answer = ask("{\"spec\":{}}");
        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.reason()).isEqualTo("Invalid");
        assertThat(answer.message()).contains("exactly one of nonResourceAttributes or resourceAttributes");
    }

    @Test
    void refusedReviewsAnswer404Or403WithAStatus() {
        server.refuseAccessReviews(404);
        Answer notServed = ask(review("billing", "get"));
        assertThat(notServed.status()).isEqualTo(404);
        assertThat(notServed.message()).isEqualTo("the server could not find the requested resource");
        server.refuseAccessReviews(403);
        Answer forbidden = ask(review("billing", "get"));
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.reason()).isEqualTo("Forbidden");
        assertThat(forbidden.message()).startsWith("selfsubjectaccessreviews.authorization.k8s.io is forbidden");
        server.refuseAccessReviews(0);
        assertThat(ask(review("billing", "get")).status()).isEqualTo(201);
    }
}
