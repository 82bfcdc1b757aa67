package dev.sherlock.testserver;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.jspecify.annotations.Nullable;

/**
 * Go's encoding/json (as sigs.k8s.io/json, case-sensitive) decoding JSON into the typed {@code coordination.k8s.io/v1}
 * Lease, as kube-apiserver does: a value of the wrong JSON type or an integer out of its Go type's range is a type
 * error with Go's message (decoding goes on, the first one is reported); a timestamp {@code metav1.MicroTime} or
 * {@code metav1.Time} cannot parse ends decoding; unknown and repeated fields are "strict decoding errors", dropped
 * (the last of repeated fields wins). The result is the Lease in its stored form, timestamps in UTC.
 */
final class LeaseDecoder {

    /** A field's Go type, as decoding errors name it. */
    private record Type(String go, Map<String, Type> fields, Type element) {

        static Type scalar(String go) {
            return new Type(go, null, null);
        }

        static Type struct(String go, Map<String, Type> fields) {
            return new Type(go, fields, null);
        }

        static Type of(String go, Type element) {
            return new Type(go, null, element);
        }

        String structName() {
            return go.substring(go.indexOf('.') + 1);
        }
    }

    private static final Type STRING = Type.scalar("string");

    private static final Type INT32 = Type.scalar("int32");

    private static final Type INT64 = Type.scalar("int64");

    private static final Type BOOL = Type.scalar("bool");

    private static final Type MICRO_TIME = Type.scalar("MicroTime");

    private static final Type TIME = Type.scalar("Time");

    private static final Type RAW = Type.scalar("FieldsV1");

    private static final Type STRING_MAP = Type.of("map[string]string", STRING);

    private static final Type LEASE = Type.struct("v1.Lease", fields("apiVersion", STRING, "kind", STRING,
            "metadata", Type.struct("v1.ObjectMeta", fields("name", STRING, "generateName", STRING, "namespace",
                    STRING, "selfLink", STRING, "uid", STRING, "resourceVersion", STRING, "generation", INT64,
                    "creationTimestamp", TIME, "deletionTimestamp", TIME, "deletionGracePeriodSeconds", INT64,
                    "labels", STRING_MAP, "annotations", STRING_MAP,
                    "ownerReferences", Type.of("[]v1.OwnerReference", Type.struct("v1.OwnerReference", fields(
                            "apiVersion", STRING, "kind", STRING, "name", STRING, "uid", STRING, "controller", BOOL,
                            "blockOwnerDeletion", BOOL))),
                    "finalizers", Type.of("[]string", STRING),
                    "managedFields", Type.of("[]v1.ManagedFieldsEntry", Type.struct("v1.ManagedFieldsEntry", fields(
                            "manager", STRING, "operation", STRING, "apiVersion", STRING, "time", TIME, "fieldsType",
                            STRING, "fieldsV1", RAW, "subresource", STRING))))),
            "spec", Type.struct("v1.LeaseSpec", fields("holderIdentity", STRING, "leaseDurationSeconds", INT32,
                    "acquireTime", MICRO_TIME, "renewTime", MICRO_TIME, "leaseTransitions", INT32, "strategy", STRING,
                    "preferredHolder", STRING))));

    private final List<String> strictErrors = new ArrayList<>();

    private String typeError;

    private LeaseDecoder() {
    }

    private static Map<String, Type> fields(Object... pairs) {
        Map<String, Type> fields = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            fields.put((String) pairs[i], (Type) pairs[i + 1]);
        }
        return fields;
    }

    /** A decoded Lease, the strict decoding errors (unknown, duplicate fields) and the first type error. */
    record Decoded(JsonObject lease, List<String> strictErrors, @Nullable String typeError) {
    }

    /**
     * Decodes JSON text into the typed Lease, in its stored form.
     * @throws DecodeFailure for an error that ends decoding at once (a timestamp that does not parse)
     */
    static Decoded decode(String text) {
        LeaseDecoder decoder = new LeaseDecoder();
        JsonObject lease = decoder.read(text);
        return new Decoded(lease, List.copyOf(decoder.strictErrors), decoder.typeError);
    }

    private JsonObject read(String text) {
        try (JsonReader in = new JsonReader(new StringReader(text))) {
            JsonObject lease = (JsonObject) value(in, LEASE, "", "Lease", "");
            return LeaseJson.normalized(lease);
        }
        catch (IOException | RuntimeException ex) {
            if (ex instanceof DecodeFailure failure) {
                throw failure;
            }
            throw new DecodeFailure(ex.getMessage());
        }
    }

    /**
     * Reads one value as Go would into {@code type}.
     * @param path the strict-error path (struct fields, map keys and indexes)
     * @param struct the enclosing Go struct, for type errors
     * @param field the path of struct fields only, for type errors
     */
    private JsonElement value(JsonReader in, Type type, String path, String struct, String field)
            throws IOException {
        JsonToken token = in.peek();
        if (token == JsonToken.NULL) {
            in.nextNull();
            return JsonNull.INSTANCE;
        }
        if (type == MICRO_TIME || type == TIME) {
            if (token != JsonToken.STRING) {
                throw new DecodeFailure("json: cannot unmarshal " + kind(token) + " into Go value of type string");
            }
            try {
                String text = in.nextString();
                return new JsonPrimitive(type == MICRO_TIME ? GoTime.microTime(text) : GoTime.time(text));
            }
            catch (GoTime.ParseFailure failure) {
                throw new DecodeFailure(failure.getMessage());
            }
        }
        if (type == RAW) {
            return JsonParser.parseReader(in);
        }
        if (type.fields() != null || type == STRING_MAP) {
            if (token != JsonToken.BEGIN_OBJECT) {
                return mismatch(in, kind(token), type, struct, field);
            }
            return object(in, type, path, struct, field);
        }
        if (type.element() != null) {
            if (token != JsonToken.BEGIN_ARRAY) {
                return mismatch(in, kind(token), type, struct, field);
            }
            JsonArray array = new JsonArray();
            in.beginArray();
            for (int index = 0; in.hasNext(); index++) {
                array.add(value(in, type.element(), path + "[" + index + "]", struct, field));
            }
            in.endArray();
            return array;
        }
        return scalar(in, token, type, struct, field);
    }

    private JsonElement object(JsonReader in, Type type, String path, String struct, String field)
            throws IOException {
        JsonObject object = new JsonObject();
        Set<String> seen = new HashSet<>();
        in.beginObject();
        while (in.hasNext()) {
            String name = in.nextName();
            String at = path.isEmpty() ? name : path + "." + name;
            Type member = type == STRING_MAP ? STRING : type.fields().get(name);
            if (member == null) {
                strictErrors.add("unknown field " + GoTime.quote(at));
                in.skipValue();
                continue;
            }
            if (!seen.add(name)) {
                strictErrors.add("duplicate field " + GoTime.quote(at));
            }
            boolean map = type == STRING_MAP;
            String goField = map ? field : field.isEmpty() ? name : field + "." + name;
            JsonElement decoded = value(in, member, at, map ? struct : type.structName(), goField);
            JsonElement previous = object.get(name);
            if (previous != null && previous.isJsonObject() && decoded.isJsonObject()) {
                // Go decodes a repeated struct or map field into the same value: the members merge.
                decoded.getAsJsonObject().entrySet().forEach(entry -> previous.getAsJsonObject()
                    .add(entry.getKey(), entry.getValue()));
            }
            else {
                object.add(name, decoded);
            }
        }
        in.endObject();
        return object;
    }

    private JsonElement scalar(JsonReader in, JsonToken token, Type type, String struct, String field)
            throws IOException {
        if (type == STRING) {
            return token == JsonToken.STRING ? new JsonPrimitive(in.nextString())
                    : mismatch(in, kind(token), type, struct, field);
        }
        if (type == BOOL) {
            return token == JsonToken.BOOLEAN ? new JsonPrimitive(in.nextBoolean())
                    : mismatch(in, kind(token), type, struct, field);
        }
        if (token != JsonToken.NUMBER) {
            return mismatch(in, kind(token), type, struct, field);
        }
        String literal = in.nextString();
        long bound = type == INT32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
        try {
            long number = Long.parseLong(literal);
            if (number <= bound && number >= -bound - 1) {
                return new JsonPrimitive(number);
            }
        }
        catch (NumberFormatException ex) {
            // Not an integer literal (a fraction, an exponent) or beyond int64: a type error, as in Go.
        }
        typeError(type, "number " + literal, struct, field);
        return JsonNull.INSTANCE;
    }

    private JsonElement mismatch(JsonReader in, String value, Type type, String struct, String field)
            throws IOException {
        in.skipValue();
        typeError(type, value, struct, field);
        return JsonNull.INSTANCE;
    }

    /** Go keeps decoding after a type error and reports the first one at the end. */
    private void typeError(Type type, String value, String struct, String field) {
        if (typeError == null) {
            typeError = "json: cannot unmarshal " + value + " into Go struct field " + struct + "." + field
                    + " of type " + type.go();
        }
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case BEGIN_OBJECT -> "object";
            case BEGIN_ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "bool";
            default -> token.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A decoding error that ends decoding at once (an UnmarshalJSON failure, as of a timestamp). */
    static final class DecodeFailure extends RuntimeException {

        private static final long serialVersionUID = 1L;

        DecodeFailure(String message) {
            super(message, null, false, false);
        }
    }
}
