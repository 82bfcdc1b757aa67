package dev.sherlock.testserver;

import java.util.List;
import java.util.Map;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/** JSON helpers of the test Lease API server: the stored form of a Lease, merge patches, field access. */
final class LeaseJson {

    private LeaseJson() {
    }

    /**
     * What the server stores and returns: its own apiVersion and kind, no nulls, ObjectMeta's empty fields omitted
     * (omitempty), and what this server does not keep dropped: system fields it sets itself (selfLink, managedFields,
     * deletion) and the spec fields of the CoordinatedLeaderElection feature, which is off by default.
     */
    static JsonObject normalized(JsonObject lease) {
        JsonObject normalized = new JsonObject();
        normalized.addProperty("kind", "Lease");
        normalized.addProperty("apiVersion", ApiStatus.GROUP + "/v1");
        JsonObject metadata = (JsonObject) withoutNulls(metadata(lease.deepCopy()));
        for (String dropped : List.of("selfLink", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds")) {
            metadata.remove(dropped);
        }
        metadata.entrySet().removeIf(entry -> isEmpty(entry.getValue()));
        normalized.add("metadata", metadata);
        JsonObject spec = lease.has("spec") && lease.get("spec").isJsonObject()
                ? (JsonObject) withoutNulls(lease.get("spec")) : new JsonObject();
        spec.remove("strategy");
        spec.remove("preferredHolder");
        normalized.add("spec", spec);
        return normalized;
    }

    private static boolean isEmpty(JsonElement value) {
        if (value.isJsonObject()) {
            return value.getAsJsonObject().size() == 0;
        }
        if (value.isJsonArray()) {
            return value.getAsJsonArray().isEmpty();
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        return primitive.isString() ? primitive.getAsString().isEmpty()
                : primitive.isNumber() && primitive.getAsLong() == 0;
    }

    private static JsonElement withoutNulls(JsonElement element) {
        if (!element.isJsonObject()) {
            return element;
        }
        JsonObject copy = new JsonObject();
        element.getAsJsonObject().entrySet().forEach(entry -> {
            if (!entry.getValue().isJsonNull()) {
                copy.add(entry.getKey(), withoutNulls(entry.getValue()));
            }
        });
        return copy;
    }

    /** RFC 7386: null deletes, objects merge recursively, anything else replaces. */
    static JsonElement merge(JsonElement target, JsonElement patch) {
        if (!patch.isJsonObject()) {
            return patch;
        }
        JsonObject result = target.isJsonObject() ? target.getAsJsonObject() : new JsonObject();
        for (Map.Entry<String, JsonElement> entry : patch.getAsJsonObject().entrySet()) {
            if (entry.getValue().isJsonNull()) {
                result.remove(entry.getKey());
            }
            else {
                JsonElement existing = result.has(entry.getKey()) ? result.get(entry.getKey()) : JsonNull.INSTANCE;
                result.add(entry.getKey(), merge(existing, entry.getValue()));
            }
        }
        return result;
    }

    static JsonObject metadata(JsonObject object) {
        if (!object.has("metadata") || !object.get("metadata").isJsonObject()) {
            object.add("metadata", new JsonObject());
        }
        return object.getAsJsonObject("metadata");
    }

    static String string(JsonObject object, String field) {
        JsonElement value = object.get(field);
        return value instanceof JsonPrimitive primitive ? primitive.getAsString() : "";
    }
}
