package dev.sherlock.testserver;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sherlock.testserver.ApiStatus.FieldError;

/**
 * The Lease registry's validation, answered with 422 Invalid: {@code ValidateObjectMeta} (the name is a DNS-1123
 * subdomain, label keys and values and annotation keys are valid, annotations stay under 256 KiB) and
 * {@code ValidateLeaseSpec} (a positive duration, transitions not negative), as pkg/apis/coordination/validation
 * and apimachinery's validation do.
 */
final class LeaseValidation {

    private static final String QUALIFIED_NAME_FORMAT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

    private static final Pattern QUALIFIED_NAME = Pattern.compile(QUALIFIED_NAME_FORMAT);

    private static final Pattern LABEL_VALUE = Pattern.compile("(" + QUALIFIED_NAME_FORMAT + ")?");

    private static final Pattern SUBDOMAIN = Pattern
        .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    static final String SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric"
            + " characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com',"
            + " regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static final String QUALIFIED_NAME_MESSAGE = "must consist of alphanumeric characters, '-', '_' or '.',"
            + " and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc',"
            + " regex used for validation is '" + QUALIFIED_NAME_FORMAT + "')";

    private static final String LABEL_VALUE_MESSAGE = "a valid label must be an empty string or consist of"
            + " alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g."
            + " 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(" + QUALIFIED_NAME_FORMAT
            + ")?')";

    private static final int ANNOTATIONS_LIMIT = 256 * 1024;

    private LeaseValidation() {
    }

    static void validate(String name, JsonObject lease) {
        List<FieldError> errors = new ArrayList<>();
        if (name.isEmpty()) {
            errors.add(FieldError.required("metadata.name", "name or generateName is required"));
        }
        else {
            if (!SUBDOMAIN.matcher(name).matches()) {
                errors.add(FieldError.invalid("metadata.name", GoTime.quote(name), SUBDOMAIN_MESSAGE));
            }
            if (name.length() > 253) {
                errors.add(FieldError.invalid("metadata.name", GoTime.quote(name),
                        "must be no more than 253 characters"));
            }
        }
        JsonObject metadata = LeaseJson.metadata(lease);
        for (Map.Entry<String, String> label : strings(metadata, "labels").entrySet()) {
            for (String message : qualifiedNameErrors(label.getKey())) {
                errors.add(FieldError.invalid("metadata.labels", GoTime.quote(label.getKey()), message));
            }
            for (String message : labelValueErrors(label.getValue())) {
                errors.add(FieldError.invalid("metadata.labels", GoTime.quote(label.getValue()), message));
            }
        }
        Map<String, String> annotations = strings(metadata, "annotations");
        long size = 0;
        for (Map.Entry<String, String> annotation : annotations.entrySet()) {
            // The rule is a qualified name, except that case does not matter.
            for (String message : qualifiedNameErrors(annotation.getKey().toLowerCase(Locale.ROOT))) {
                errors.add(FieldError.invalid("metadata.annotations", GoTime.quote(annotation.getKey()), message));
            }
            size += annotation.getKey().getBytes(StandardCharsets.UTF_8).length
                    + annotation.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        if (size > ANNOTATIONS_LIMIT) {
            errors.add(new FieldError("metadata.annotations", "FieldValueTooLong",
                    "Too long: must have at most " + ANNOTATIONS_LIMIT + " bytes"));
        }
        JsonObject spec = lease.has("spec") && lease.get("spec").isJsonObject() ? lease.getAsJsonObject("spec")
                : new JsonObject();
        JsonElement duration = spec.get("leaseDurationSeconds");
        if (duration != null && !duration.isJsonNull() && duration.getAsLong() <= 0) {
            errors.add(FieldError.invalid("spec.leaseDurationSeconds", Long.toString(duration.getAsLong()),
                    "must be greater than 0"));
        }
        JsonElement transitions = spec.get("leaseTransitions");
        if (transitions != null && !transitions.isJsonNull() && transitions.getAsLong() < 0) {
            errors.add(FieldError.invalid("spec.leaseTransitions", Long.toString(transitions.getAsLong()),
                    "must be greater than or equal to 0"));
        }
        if (!errors.isEmpty()) {
            throw ApiStatus.invalid(name, errors);
        }
    }

    private static Map<String, String> strings(JsonObject metadata, String field) {
        Map<String, String> map = new java.util.TreeMap<>();
        JsonElement value = metadata.get(field);
        if (value != null && value.isJsonObject()) {
            value.getAsJsonObject().entrySet().forEach(entry -> map.put(entry.getKey(), entry.getValue()
                .getAsString()));
        }
        return map;
    }

    /** validation.IsQualifiedName: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63. */
    static List<String> qualifiedNameErrors(String value) {
        List<String> errors = new ArrayList<>();
        String[] parts = value.split("/", -1);
        String name;
        if (parts.length == 1) {
            name = parts[0];
        }
        else if (parts.length == 2) {
            String prefix = parts[0];
            name = parts[1];
            if (prefix.isEmpty()) {
                errors.add("prefix part must be non-empty");
            }
            else {
                if (prefix.length() > 253) {
                    errors.add("prefix part must be no more than 253 characters");
                }
                if (!SUBDOMAIN.matcher(prefix).matches()) {
                    errors.add("prefix part " + SUBDOMAIN_MESSAGE);
                }
            }
        }
        else {
            return List.of("a qualified name " + QUALIFIED_NAME_MESSAGE + " with an optional DNS subdomain prefix and"
                    + " '/' (e.g. 'example.com/MyName')");
        }
        if (name.isEmpty()) {
            errors.add("name part must be non-empty");
        }
        else if (name.length() > 63) {
            errors.add("name part must be no more than 63 characters");
        }
        if (!QUALIFIED_NAME.matcher(name).matches()) {
            errors.add("name part " + QUALIFIED_NAME_MESSAGE);
        }
        return errors;
    }

    /** validation.IsValidLabelValue: empty, or a qualified name part of at most 63 characters. */
    static List<String> labelValueErrors(String value) {
        List<String> errors = new ArrayList<>();
        if (value.length() > 63) {
            errors.add("must be no more than 63 characters");
        }
        if (!LABEL_VALUE.matcher(value).matches()) {
            errors.add(LABEL_VALUE_MESSAGE);
        }
        return errors;
    }
}
