package dev.sherlock.testserver;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

/**
 * Request bodies as kube-apiserver's create, update and patch handlers decode them (apiserver/pkg/endpoints/
 * handlers: create.go, update.go, patch.go, rest.go transformDecodeError): the body's kind and version must be the
 * Lease's (or absent), it is decoded into the typed Lease ({@link LeaseDecoder}) with its errors answered as HTTP 400,
 * and unknown or repeated fields are handled by the request's {@code fieldValidation}: {@code Warn}, the default
 * since Kubernetes 1.27, drops them with a {@code Warning} header each; {@code Strict} answers 400; {@code Ignore}
 * drops them silently.
 */
final class LeaseBodies {

    /** Kinds the API server's scheme knows in version v1, which then fail conversion rather than lookup. */
    private static final Set<String> CORE_KINDS = Set.of("ConfigMap", "Secret", "Pod", "Service", "Namespace",
            "Event", "Endpoints", "ServiceAccount", "Status");

    private LeaseBodies() {
    }

    /**
     * Decodes a create or update body.
     * @param fieldValidation the request's {@code fieldValidation}: "" (Warn), Ignore, Warn or Strict
     * @param warnings where the {@code Warning} headers of dropped fields go
     */
    static JsonObject body(byte[] bytes, String fieldValidation, List<String> warnings) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] gvk = kindAndVersion(text, bytes);
        LeaseDecoder.Decoded decoded;
        try {
            decoded = LeaseDecoder.decode(text);
        }
        catch (LeaseDecoder.DecodeFailure failure) {
            throw handled(gvk, failure.getMessage());
        }
        if (decoded.typeError() != null) {
            throw handled(gvk, decoded.typeError());
        }
        if (!decoded.strictErrors().isEmpty() && fieldValidation.equals("Strict")) {
            throw handled(gvk, "strict decoding error: " + String.join(", ", decoded.strictErrors()));
        }
        if (!fieldValidation.equals("Ignore")) {
            warnings.addAll(decoded.strictErrors());
        }
        return decoded.lease();
    }

    /** Decodes the result of a merge patch: a decoding error is 422 Invalid on the field "patch". */
    static JsonObject patched(JsonObject patched, String fieldValidation, List<String> warnings) {
        String text = patched.toString();
        LeaseDecoder.Decoded decoded;
        try {
            decoded = LeaseDecoder.decode(text);
        }
        catch (LeaseDecoder.DecodeFailure failure) {
            throw ApiStatus.invalidPatch(text, failure.getMessage());
        }
        if (decoded.typeError() != null) {
            throw ApiStatus.invalidPatch(text, decoded.typeError());
        }
        if (!decoded.strictErrors().isEmpty() && fieldValidation.equals("Strict")) {
            throw ApiStatus.badRequest("strict decoding error: " + String.join(", ", decoded.strictErrors()));
        }
        if (!fieldValidation.equals("Ignore")) {
            warnings.addAll(decoded.strictErrors());
        }
        return decoded.lease();
    }

    /** The body's group/version and kind, defaulted to the Lease's; others are refused as the handlers do. */
    private static String[] kindAndVersion(String text, byte[] bytes) {
        JsonElement json;
        try {
            json = JsonParser.parseString(text);
        }
        catch (RuntimeException ex) {
            throw unrecognized("json parse error: " + ex.getMessage(), bytes);
        }
        if (bytes.length == 0 || json.isJsonNull()) {
            throw unrecognized("json parse error: unexpected end of JSON input", bytes);
        }
        if (!json.isJsonObject()) {
            throw unrecognized("json parse error: json: cannot unmarshal " + jsonKind(json) + " into Go value of"
                    + " type struct { APIVersion string; Kind string }", bytes);
        }
        JsonObject object = json.getAsJsonObject();
        String apiVersion = LeaseJson.string(object, "apiVersion");
        String kind = LeaseJson.string(object, "kind");
        kind = kind.isEmpty() ? "Lease" : kind;
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        if (apiVersion.isEmpty()) {
            group = ApiStatus.GROUP;
            version = "v1";
        }
        String groupVersion = group.isEmpty() ? version : group + "/" + version;
        if (!kind.equals("Lease") || !group.equals(ApiStatus.GROUP)
                || !(version.equals("v1") || version.equals("v1beta1"))) {
            String cause = group.isEmpty() && version.equals("v1") && CORE_KINDS.contains(kind)
                    ? "converting (v1." + kind + ") to (coordination.Lease): unknown conversion"
                    : "no kind \"" + kind + "\" is registered for version \"" + groupVersion + "\" in scheme"
                            + " \"pkg/api/legacyscheme/scheme.go:30\"";
            throw ApiStatus.badRequest(kind + " in version " + GoTime.quote(version) + " cannot be handled as a"
                    + " Lease: " + cause);
        }
        if (!version.equals("v1")) {
            throw ApiStatus.badRequest("the API version in the data (" + groupVersion + ") does not match the"
                    + " expected API version (" + ApiStatus.GROUP + "/v1)");
        }
        return new String[] { group, version, kind };
    }

    private static ApiStatus handled(String[] gvk, String cause) {
        return ApiStatus.badRequest(gvk[2] + " in version " + GoTime.quote(gvk[1]) + " cannot be handled as a Lease: "
                + cause);
    }

    private static ApiStatus unrecognized(String cause, byte[] bytes) {
        String summary;
        if (bytes.length == 0) {
            summary = "<empty>";
        }
        else if (bytes[0] == '{') {
            summary = bytes.length > 30 ? new String(bytes, 0, 30, StandardCharsets.UTF_8) + " ..."
                    : new String(bytes, StandardCharsets.UTF_8);
        }
        else {
            byte[] head = bytes.length > 30 ? Arrays.copyOf(bytes, 30) : bytes;
            summary = HexFormat.of().formatHex(head) + (bytes.length > 30 ? " ..." : "");
        }
        return ApiStatus.badRequest("the object provided is unrecognized (must be of type Lease): couldn't get"
                + " version/kind; " + cause + " (" + summary + ")");
    }

    private static String jsonKind(JsonElement json) {
        if (json.isJsonArray()) {
            return "array";
        }
        JsonPrimitive primitive = json.getAsJsonPrimitive();
        return primitive.isString() ? "string" : primitive.isNumber() ? "number" : "bool";
    }
}
