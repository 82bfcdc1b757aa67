package dev.sherlock.testserver;

import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

/**
 * A {@code metav1.Status} failure as kube-apiserver sends it, built like k8s.io/apimachinery/pkg/api/errors does
 * (NewNotFound, NewAlreadyExists, NewConflict, NewInvalid, NewForbidden, NewBadRequest) and
 * apiserver/pkg/endpoints/handlers/responsewriters/status.go does for errors that are not a Status (HTTP 500).
 */
final class ApiStatus extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final String GROUP = "coordination.k8s.io";

    static final String RESOURCE = "leases." + GROUP;

    /** Optimistic-lock message of registry.Store.Update (OptimisticLockErrorMsg). */
    static final String MODIFIED = "the object has been modified; please apply your changes to the latest version"
            + " and try again";

    final int code;

    final transient JsonObject body;

    private ApiStatus(int code, String reason, String message, JsonObject details) {
        super(message, null, false, false);
        this.code = code;
        this.body = new JsonObject();
        body.addProperty("kind", "Status");
        body.addProperty("apiVersion", "v1");
        body.add("metadata", new JsonObject());
        body.addProperty("status", "Failure");
        body.addProperty("message", message);
        if (!reason.isEmpty()) {
            body.addProperty("reason", reason);
        }
        if (details != null) {
            body.add("details", details);
        }
        body.addProperty("code", code);
    }

    static JsonObject details(String name, String group, String kind) {
        JsonObject details = new JsonObject();
        if (!name.isEmpty()) {
            details.addProperty("name", name);
        }
        if (!group.isEmpty()) {
            details.addProperty("group", group);
        }
        details.addProperty("kind", kind);
        return details;
    }

    /** registry.Store.Delete of an object without graceful deletion: a Success status naming it. */
    static JsonObject deleted(String name, String uid) {
        JsonObject status = new JsonObject();
        status.addProperty("kind", "Status");
        status.addProperty("apiVersion", "v1");
        status.add("metadata", new JsonObject());
        status.addProperty("status", "Success");
        JsonObject details = details(name, GROUP, "leases");
        details.addProperty("uid", uid);
        status.add("details", details);
        return status;
    }

    static ApiStatus notFound(String name) {
        return new ApiStatus(404, "NotFound", RESOURCE + " \"" + name + "\" not found", details(name, GROUP, "leases"));
    }

    static ApiStatus namespaceNotFound(String namespace) {
        return new ApiStatus(404, "NotFound", "namespaces \"" + namespace + "\" not found",
                details(namespace, "", "namespaces"));
    }

    /** What kube-apiserver answers for a path it does not serve. */
    /** What the authentication filter answers a request whose token or certificate it does not accept. */
    static ApiStatus unauthorized() {
        return new ApiStatus(401, "Unauthorized", "Unauthorized", null);
    }

    static ApiStatus noSuchPath() {
        return new ApiStatus(404, "NotFound", "the server could not find the requested resource", new JsonObject());
    }

    static ApiStatus methodNotAllowed() {
        return new ApiStatus(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                new JsonObject());
    }

    static ApiStatus alreadyExists(String name) {
        return new ApiStatus(409, "AlreadyExists", RESOURCE + " \"" + name + "\" already exists",
                details(name, GROUP, "leases"));
    }

    static ApiStatus conflict(String name, String cause) {
        return new ApiStatus(409, "Conflict", "Operation cannot be fulfilled on " + RESOURCE + " \"" + name + "\": "
                + cause, details(name, GROUP, "leases"));
    }

    /** A failed storage precondition (uid or resourceVersion), which the registry turns into a Conflict. */
    static ApiStatus preconditionFailed(String namespace, String name, String field, String expected,
            String actual) {
        return conflict(name, "StorageError: invalid object, Code: 4, Key: /registry/leases/" + namespace + "/" + name
                + ", ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: " + field + " in precondition: "
                + expected + ", " + field + " in object meta: " + actual);
    }

    /**
     * One field error of a validation, as {@code field.Error} renders it.
     * @param field the field path, e.g. {@code spec.leaseDurationSeconds}
     * @param reason the cause type, e.g. {@code FieldValueInvalid}
     * @param body what {@code ErrorBody()} says, e.g. {@code Invalid value: 0: must be greater than 0}
     */
    record FieldError(String field, String reason, String body) {

        static FieldError invalid(String field, String value, String detail) {
            return new FieldError(field, "FieldValueInvalid", "Invalid value: " + value + ": " + detail);
        }

        static FieldError required(String field, String detail) {
            return new FieldError(field, "FieldValueRequired", "Required value: " + detail);
        }

        static FieldError forbidden(String field, String detail) {
            return new FieldError(field, "FieldValueForbidden", "Forbidden: " + detail);
        }

        static FieldError notSupported(String field, String value, String supported) {
            return new FieldError(field, "FieldValueNotSupported", "Unsupported value: " + value
                    + ": supported values: " + supported);
        }
    }

    /** A Lease that fails validation: 422 Invalid naming the Lease. */
    static ApiStatus invalid(String name, List<FieldError> errors) {
        return invalid(GROUP, "Lease", name, errors);
    }

    /** errors.NewInvalid: 422 with one cause per field error and the aggregated message. */
    static ApiStatus invalid(String group, String kind, String name, List<FieldError> errors) {
        JsonObject details = new JsonObject();
        if (!name.isEmpty()) {
            details.addProperty("name", name);
        }
        if (!group.isEmpty()) {
            details.addProperty("group", group);
        }
        if (!kind.isEmpty()) {
            details.addProperty("kind", kind);
        }
        JsonArray causes = new JsonArray();
        StringBuilder summary = new StringBuilder();
        for (FieldError error : errors) {
            JsonObject cause = new JsonObject();
            cause.addProperty("reason", error.reason());
            cause.addProperty("message", error.body());
            cause.addProperty("field", error.field());
            causes.add(cause);
            summary.append(summary.length() == 0 ? "" : ", ").append(error.field()).append(": ").append(error.body());
        }
        details.add("causes", causes);
        String qualified = group.isEmpty() ? kind : kind + "." + group;
        String message = qualified + " \"" + name + "\" is invalid: "
                + (errors.size() == 1 ? summary : "[" + summary + "]");
        return new ApiStatus(422, "Invalid", message, details);
    }

    /** A merge patch whose result does not decode: 422 on the field "patch", with no kind (patch.go). */
    static ApiStatus invalidPatch(String patched, String cause) {
        return invalid("", "", "", List.of(FieldError.invalid("patch", GoTime.quote(patched), cause)));
    }

    /** Request options that fail validation, e.g. ListOptions or CreateOptions of group meta.k8s.io. */
    static ApiStatus invalidOptions(String kind, List<FieldError> errors) {
        return invalid("meta.k8s.io", kind, "", errors);
    }

    /**
     * storage.NewTooLargeResourceVersionError: 504 Timeout with a ResourceVersionTooLarge cause and a retry after 1 s,
     * what a read at a resource version the watch cache has not reached gets after waiting for it.
     */
    static ApiStatus tooLargeResourceVersion(long requested, long current) {
        JsonObject details = new JsonObject();
        JsonArray causes = new JsonArray();
        JsonObject cause = new JsonObject();
        cause.addProperty("reason", "ResourceVersionTooLarge");
        cause.addProperty("message", "Too large resource version");
        causes.add(cause);
        details.add("causes", causes);
        details.addProperty("retryAfterSeconds", 1);
        return new ApiStatus(504, "Timeout", "Timeout: Too large resource version: " + requested + ", current: "
                + current, details);
    }

    static ApiStatus forbidden(String verb, String name, String namespace) {
        String subject = name.isEmpty() ? RESOURCE : RESOURCE + " \"" + name + "\"";
        return new ApiStatus(403, "Forbidden", subject + " is forbidden: User \"system:serviceaccount:" + namespace
                + ":sherlock\" cannot " + verb + " resource \"leases\" in API group \"" + GROUP
                + "\" in the namespace \"" + namespace + "\"", details(name, GROUP, "leases"));
    }

    /** RBAC refusing a request on a cluster-scoped resource, e.g. creating a SelfSubjectAccessReview. */
    static ApiStatus forbiddenClusterScoped(String verb, String resource, String group) {
        return new ApiStatus(403, "Forbidden", resource + "." + group + " is forbidden: User"
                + " \"system:serviceaccount:default:sherlock\" cannot " + verb + " resource \"" + resource
                + "\" in API group \"" + group + "\" at the cluster scope", details("", group, resource));
    }

    static ApiStatus badRequest(String message) {
        return new ApiStatus(400, "BadRequest", message, null);
    }

    /** An error that is not a Status, e.g. a Go strconv error: HTTP 500 with an empty reason. */
    static ApiStatus internal(String message) {
        return new ApiStatus(500, "", message, null);
    }

    /** The 410 that ends a watch whose resource version was compacted (sent as an ERROR event). */
    static ApiStatus expired(String requested, long oldest) {
        return new ApiStatus(410, "Expired", "too old resource version: " + requested + " (" + oldest + ")", null);
    }

    static ApiStatus unsupportedMediaType(String contentType) {
        return new ApiStatus(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted"
                + " media types include: application/json-patch+json, application/merge-patch+json,"
                + " application/apply-patch+yaml (this test server serves only application/merge-patch+json; got "
                + contentType + ")", null);
    }
}
