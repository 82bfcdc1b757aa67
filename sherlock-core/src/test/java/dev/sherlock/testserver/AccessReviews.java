package dev.sherlock.testserver;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sherlock.testserver.ApiStatus.FieldError;

/**
 * The {@code SelfSubjectAccessReview}s of the test Lease API server: {@code POST} to {@link #PATH} asks whether the
 * caller may do a verb, and the answer is the review sent back with a {@code status}, as kube-apiserver's
 * selfsubjectaccessreview REST storage answers it (HTTP 201). The decision follows the server's RBAC: the verbs it
 * allows on leases, minus those {@link #deny denied} in a namespace, which its Lease requests refuse too. As with
 * RBAC, a refusal is {@code allowed: false} with no reason and no {@code denied} (RBAC has no opinion, it never
 * denies outright); an allowance names the binding.
 */
final class AccessReviews {

    static final String PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";

    private static final String GROUP = "authorization.k8s.io";

    private final Set<LeaseApiServer.Verb> allowed;

    private final Map<String, Set<String>> denied = new ConcurrentHashMap<>();

    private final AtomicLong reviews = new AtomicLong();

    private volatile int refusal;

    AccessReviews(Set<LeaseApiServer.Verb> allowed) {
        this.allowed = allowed;
    }

    void deny(String namespace, String... verbs) {
        denied.merge(namespace, Set.of(verbs), (old, added) -> {
            Set<String> both = new HashSet<>(old);
            both.addAll(added);
            return Set.copyOf(both);
        });
    }

    /** Whether RBAC refuses this verb on leases in this namespace. */
    boolean denies(String namespace, LeaseApiServer.Verb verb) {
        return !allowed.contains(verb) || denied.getOrDefault(namespace, Set.of()).contains(verb.rbac());
    }

    /**
     * Answers every review with this status instead: 401 (credentials not accepted), 403 (reviews not permitted) or
     * 404 (not served); 0 undoes it.
     */
    void refuse(int status) {
        if (status != 0 && status != 401 && status != 403 && status != 404) {
            throw new IllegalArgumentException("Refuse access reviews with 401, 403 or 404, not " + status);
        }
        this.refusal = status;
    }

    long count() {
        return reviews.get();
    }

    JsonObject review(String method, byte[] body) {
        reviews.incrementAndGet();
        if (refusal == 401) {
            throw ApiStatus.unauthorized();
        }
        if (refusal == 404) {
            throw ApiStatus.noSuchPath();
        }
        if (refusal == 403) {
            throw ApiStatus.forbiddenClusterScoped("create", "selfsubjectaccessreviews", GROUP);
        }
        if (!method.equals("POST")) {
            throw ApiStatus.methodNotAllowed();
        }
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
        }
        catch (RuntimeException ex) {
            throw ApiStatus.badRequest("error decoding the SelfSubjectAccessReview: " + ex.getMessage());
        }
        if (!parsed.isJsonObject()) {
            throw ApiStatus.badRequest("the SelfSubjectAccessReview is not a JSON object");
        }
        JsonObject review = parsed.getAsJsonObject();
        JsonObject spec = object(review, "spec");
        JsonObject attributes = object(spec, "resourceAttributes");
        boolean nonResource = spec.has("nonResourceAttributes") && spec.get("nonResourceAttributes").isJsonObject();
        if (attributes.size() == 0 && !nonResource) {
            throw ApiStatus.invalid(GROUP, "SelfSubjectAccessReview", "", List.of(FieldError.required(
                    "spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be"
                    + " specified")));
        }
        JsonObject answer = new JsonObject();
        answer.addProperty("kind", "SelfSubjectAccessReview");
        answer.addProperty("apiVersion", GROUP + "/v1");
        answer.add("metadata", new JsonObject());
        answer.add("spec", spec);
        answer.add("status", nonResource ? allowedStatus("") : decide(attributes));
        return answer;
    }

    private JsonObject decide(JsonObject attributes) {
        String namespace = text(attributes, "namespace");
        String verb = text(attributes, "verb");
        boolean leases = ApiStatus.GROUP.equals(text(attributes, "group")) && "leases".equals(text(attributes,
                "resource"));
        LeaseApiServer.Verb known = null;
        for (LeaseApiServer.Verb candidate : LeaseApiServer.Verb.values()) {
            if (candidate.rbac().equals(verb)) {
                known = candidate;
            }
        }
        boolean refused = leases && (known != null ? denies(namespace, known)
                : denied.getOrDefault(namespace, Set.of()).contains(verb));
        if (refused) {
            JsonObject status = new JsonObject();
            status.addProperty("allowed", false);
            return status;
        }
        return allowedStatus(namespace);
    }

    private static JsonObject allowedStatus(String namespace) {
        JsonObject status = new JsonObject();
        status.addProperty("allowed", true);
        status.addProperty("reason", namespace.isEmpty()
                ? "RBAC: allowed by ClusterRoleBinding \"sherlock\" of ClusterRole \"sherlock\" to ServiceAccount"
                        + " \"sherlock/default\""
                : "RBAC: allowed by RoleBinding \"sherlock/" + namespace + "\" of Role \"sherlock\" to ServiceAccount"
                        + " \"sherlock/default\"");
        return status;
    }

    private static JsonObject object(JsonObject parent, String field) {
        return parent.has(field) && parent.get(field).isJsonObject() ? parent.getAsJsonObject(field)
                : new JsonObject();
    }

    private static String text(JsonObject object, String field) {
        return object.has(field) && object.get(field).isJsonPrimitive() ? object.get(field).getAsString() : "";
    }
}
