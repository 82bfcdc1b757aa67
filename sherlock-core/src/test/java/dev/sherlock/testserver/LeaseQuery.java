package dev.sherlock.testserver;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.google.gson.JsonObject;
import dev.sherlock.testserver.ApiStatus.FieldError;
import org.jspecify.annotations.Nullable;

/**
 * Query parameters as kube-apiserver converts and validates them: booleans are true unless "0" or "false" (any case),
 * numbers must parse, {@code fieldSelector} on {@code metadata.name} and {@code metadata.namespace},
 * {@code labelSelector} ({@link LabelSelector}), the list options' rules ({@code ValidateListOptions}, with the
 * WatchList feature's defaults) and {@code fieldValidation}.
 */
final class LeaseQuery {

    private final Map<String, String> values;

    private LeaseQuery(Map<String, String> values) {
        this.values = values;
    }

    /** The list options of a list or watch, after defaults and validation. */
    record ListOptions(boolean watch, String resourceVersion, String resourceVersionMatch,
            @Nullable Boolean sendInitialEvents, boolean allowWatchBookmarks, long timeoutSeconds,
            Predicate<JsonObject> selector) {
    }

    static LeaseQuery parse(@Nullable String raw) {
        Map<String, String> values = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int equals = pair.indexOf('=');
                String key = decode(equals < 0 ? pair : pair.substring(0, equals));
                if (!key.isEmpty()) {
                    values.putIfAbsent(key, equals < 0 ? "" : decode(pair.substring(equals + 1)));
                }
            }
        }
        return new LeaseQuery(values);
    }

    static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    String get(String key) {
        return values.getOrDefault(key, "");
    }

    /** runtime.Convert_Slice_string_To_bool: present and not "0" or "false". */
    boolean flag(String key) {
        return values.containsKey(key) && !values.get(key).equals("0") && !values.get(key).equalsIgnoreCase("false");
    }

    /**
     * The list options, with SetListOptionsDefaults (WatchList on: a watch from "" or "0" sends initial events) and
     * ValidateListOptions applied.
     * @throws ApiStatus 400 for a selector or number that does not parse, 422 for options that do not go together
     */
    ListOptions listOptions() {
        boolean watch = flag("watch");
        String version = get("resourceVersion");
        String match = get("resourceVersionMatch");
        Boolean initial = values.containsKey("sendInitialEvents") ? flag("sendInitialEvents") : null;
        long timeout = values.containsKey("timeoutSeconds") ? parseInt64(get("timeoutSeconds")) : 1800;
        Predicate<JsonObject> selector = fieldSelector().and(labelSelector());
        if (watch && initial == null && match.isEmpty() && (version.isEmpty() || version.equals("0"))) {
            initial = true;
            match = "NotOlderThan";
        }
        List<FieldError> errors = new ArrayList<>();
        if (watch) {
            if (initial != null && !match.equals("NotOlderThan")) {
                errors.add(FieldError.forbidden("resourceVersionMatch", "sendInitialEvents requires setting"
                        + " resourceVersionMatch to NotOlderThan"));
            }
            if (!match.isEmpty()) {
                if (initial == null) {
                    errors.add(FieldError.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for"
                            + " watch unless sendInitialEvents is provided"));
                }
                if (!match.equals("NotOlderThan")) {
                    errors.add(FieldError.notSupported("resourceVersionMatch", GoTime.quote(match),
                            "\"NotOlderThan\""));
                }
            }
        }
        else {
            if (!match.isEmpty()) {
                if (version.isEmpty()) {
                    errors.add(FieldError.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless"
                            + " resourceVersion is provided"));
                }
                if (!match.equals("Exact") && !match.equals("NotOlderThan")) {
                    errors.add(FieldError.notSupported("resourceVersionMatch", GoTime.quote(match),
                            "\"Exact\", \"NotOlderThan\", \"\""));
                }
                if (match.equals("Exact") && version.equals("0")) {
                    errors.add(FieldError.forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is"
                            + " forbidden for resourceVersion \"0\""));
                }
            }
            if (initial != null) {
                errors.add(FieldError.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
            }
        }
        if (!errors.isEmpty()) {
            throw ApiStatus.invalidOptions("ListOptions", errors);
        }
        return new ListOptions(watch, version, match, initial, flag("allowWatchBookmarks"), timeout, selector);
    }

    /**
     * The request's field validation: "" (the default, Warn), Ignore, Warn or Strict.
     * @param optionsKind CreateOptions, UpdateOptions or PatchOptions, for the 422 of an unsupported value
     */
    String fieldValidation(String optionsKind) {
        String value = get("fieldValidation");
        if (!List.of("", "Ignore", "Strict", "Warn").contains(value)) {
            throw ApiStatus.invalidOptions(optionsKind, List.of(FieldError.notSupported("fieldValidation",
                    GoTime.quote(value), "\"\", \"Ignore\", \"Strict\", \"Warn\"")));
        }
        return value.isEmpty() ? "Warn" : value;
    }

    /** Field selectors on metadata.name and metadata.namespace, as Leases support. */
    private Predicate<JsonObject> fieldSelector() {
        Predicate<JsonObject> selector = lease -> true;
        for (String term : get("fieldSelector").split(",")) {
            if (term.isEmpty()) {
                continue;
            }
            boolean negated = term.contains("!=");
            String[] parts = term.split(negated ? "!=" : "==?", 2);
            if (parts.length != 2 || !(parts[0].equals("metadata.name") || parts[0].equals("metadata.namespace"))) {
                throw ApiStatus.badRequest("\"" + parts[0] + "\" is not a known field selector: only"
                        + " \"metadata.name\", \"metadata.namespace\"");
            }
            String field = parts[0].substring("metadata.".length());
            String value = parts[1];
            Predicate<JsonObject> test = lease -> LeaseJson.string(LeaseJson.metadata(lease), field).equals(value);
            selector = selector.and(negated ? test.negate() : test);
        }
        return selector;
    }

    private Predicate<JsonObject> labelSelector() {
        String selector = get("labelSelector");
        return selector.isEmpty() ? lease -> true : LabelSelector.parse(selector);
    }

    /** runtime.Convert_Slice_string_To_Pointer_int64: strconv.ParseInt, whose error is a 400. */
    private static long parseInt64(String value) {
        try {
            return Long.parseLong(value);
        }
        catch (NumberFormatException ex) {
            String reason = value.matches("[-+]?[0-9]+") ? "value out of range" : "invalid syntax";
            throw ApiStatus.badRequest("strconv.ParseInt: parsing " + GoTime.quote(value) + ": " + reason);
        }
    }
}
