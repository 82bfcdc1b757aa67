package dev.sherlock.testserver;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.jspecify.annotations.Nullable;

/**
 * The storage and registry semantics of kube-apiserver for {@code coordination.k8s.io/v1} Leases, as its code
 * defines them (apiserver/pkg/registry/generic/registry/store.go over storage/etcd3/store.go, and
 * pkg/apis/coordination/validation): one global revision counter that every write increments, as etcd's does;
 * create only if absent; update and patch only at the current {@code resourceVersion} (or unconditionally without
 * one, which Leases allow); no-op updates keep the version; delete honouring preconditions; validation of the name
 * (DNS-1123 subdomain) and of the spec; an event log that watches replay from a resource version.
 *
 * <p>Every operation runs under one lock, so writers are linearized exactly as etcd's transactions are.
 */
final class LeaseStore {

    private static final Pattern SUBDOMAIN = Pattern
        .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final String SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of lower case"
            + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g."
            + " 'example.com', regex used for validation is"
            + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    /** Events kept for watches; older resource versions answer 410 Expired, as after an etcd compaction. */
    private final int history;

    private final Set<String> namespaces = new HashSet<>();

    private final Map<String, JsonObject> leases = new TreeMap<>();

    private final Deque<Event> events = new ArrayDeque<>();

    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

    private long revision = 1;

    /** Lowest resource version a watch may still start from. */
    private long compacted = 1;

    LeaseStore(int history, Set<String> namespaces) {
        this.history = history;
        this.namespaces.addAll(namespaces);
    }

    /** A change, as a watch delivers it. */
    record Event(long revision, String namespace, String name, String type, JsonObject object) {
    }

    /** A running watch: its filter and where its events go. */
    record Watcher(Predicate<Event> filter, BlockingQueue<Event> queue) {
    }

    synchronized void addNamespace(String namespace) {
        namespaces.add(namespace);
    }

    synchronized long revision() {
        return revision;
    }

    synchronized @Nullable JsonObject get(String namespace, String name) {
        JsonObject lease = leases.get(namespace + "/" + name);
        return lease == null ? null : lease.deepCopy();
    }

    synchronized JsonObject read(String namespace, String name) {
        JsonObject lease = get(namespace, name);
        if (lease == null) {
            throw ApiStatus.notFound(name);
        }
        return lease;
    }

    synchronized List<JsonObject> list(String namespace, Predicate<JsonObject> filter) {
        List<JsonObject> items = new ArrayList<>();
        leases.forEach((key, lease) -> {
            if (key.startsWith(namespace + "/") && filter.test(lease)) {
                items.add(lease.deepCopy());
            }
        });
        return items;
    }

    synchronized JsonObject create(String namespace, JsonObject body) {
        JsonObject metadata = metadata(body);
        checkNamespace(namespace, metadata);
        String name = string(metadata, "name");
        validate(name, body);
        if (!namespaces.contains(namespace)) {
            throw ApiStatus.namespaceNotFound(namespace);
        }
        String version = string(metadata, "resourceVersion");
        if (!version.isEmpty() && !version.equals("0")) {
            // etcd3 store Create: errors.New(...), which is not a Status and so comes out as HTTP 500.
            throw ApiStatus.internal("resourceVersion should not be set on objects to be created");
        }
        if (leases.containsKey(namespace + "/" + name)) {
            throw ApiStatus.alreadyExists(name);
        }
        JsonObject lease = body.deepCopy();
        normalize(lease);
        JsonObject stored = metadata(lease);
        stored.addProperty("namespace", namespace);
        stored.addProperty("uid", UUID.randomUUID().toString());
        stored.addProperty("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return write(namespace, name, lease, "ADDED");
    }

    /** PUT: replace at the given resourceVersion, or unconditionally without one. */
    synchronized JsonObject update(String namespace, String name, JsonObject body) {
        JsonObject metadata = metadata(body);
        checkNamespace(namespace, metadata);
        String bodyName = string(metadata, "name");
        if (!bodyName.equals(name)) {
            throw ApiStatus.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
                    + name + ")");
        }
        JsonObject current = leases.get(namespace + "/" + name);
        if (current == null) {
            throw ApiStatus.notFound(name);
        }
        return guardedUpdate(namespace, name, current, body);
    }

    /** PATCH with a JSON merge patch (RFC 7386) applied to the stored object, then updated as a PUT would be. */
    synchronized JsonObject mergePatch(String namespace, String name, JsonObject patch) {
        JsonObject current = leases.get(namespace + "/" + name);
        if (current == null) {
            throw ApiStatus.notFound(name);
        }
        JsonObject patched = (JsonObject) merge(current.deepCopy(), patch);
        JsonObject metadata = metadata(patched);
        if (!string(metadata, "name").equals(name)) {
            throw ApiStatus.badRequest("metadata.name: Invalid value: \"" + string(metadata, "name")
                    + "\": field is immutable");
        }
        return guardedUpdate(namespace, name, current, patched);
    }

    synchronized JsonObject delete(String namespace, String name, @Nullable String uid,
            @Nullable String resourceVersion) {
        JsonObject current = leases.get(namespace + "/" + name);
        if (current == null) {
            throw ApiStatus.notFound(name);
        }
        JsonObject metadata = metadata(current);
        checkPrecondition(namespace, name, "UID", uid, string(metadata, "uid"));
        checkPrecondition(namespace, name, "ResourceVersion", resourceVersion, string(metadata, "resourceVersion"));
        leases.remove(namespace + "/" + name);
        revision++;
        JsonObject deleted = current.deepCopy();
        // The watch cache stamps a deleted object with the revision of its deletion.
        metadata(deleted).addProperty("resourceVersion", Long.toString(revision));
        record(new Event(revision, namespace, name, "DELETED", deleted));
        return metadata;
    }

    /**
     * Registers a watch of the namespace from {@code resourceVersion}: events after it are queued at once, later
     * ones as they happen. An empty or "0" version first sends the current objects as ADDED events.
     */
    synchronized Watcher watch(String namespace, String resourceVersion, Predicate<JsonObject> filter,
            BlockingQueue<Event> queue) {
        Predicate<Event> matches = event -> event.namespace().equals(namespace) && filter.test(event.object());
        if (resourceVersion.isEmpty() || resourceVersion.equals("0")) {
            for (JsonObject lease : list(namespace, filter)) {
                queue.add(new Event(revision, namespace, string(metadata(lease), "name"), "ADDED", lease));
            }
        }
        else {
            long from = parseVersion(resourceVersion);
            if (from < compacted - 1) {
                throw ApiStatus.expired(resourceVersion, compacted);
            }
            for (Event event : events) {
                if (event.revision() > from && matches.test(event)) {
                    queue.add(event);
                }
            }
        }
        Watcher watcher = new Watcher(matches, queue);
        watchers.add(watcher);
        return watcher;
    }

    void unwatch(Watcher watcher) {
        watchers.remove(watcher);
    }

    private JsonObject guardedUpdate(String namespace, String name, JsonObject current, JsonObject body) {
        JsonObject currentMetadata = metadata(current);
        String uid = string(metadata(body), "uid");
        if (!uid.isEmpty()) {
            checkPrecondition(namespace, name, "UID", uid, string(currentMetadata, "uid"));
        }
        String version = string(metadata(body), "resourceVersion");
        long requested = parseVersion(version);
        if (requested != 0 && requested != parseVersion(string(currentMetadata, "resourceVersion"))) {
            throw ApiStatus.conflict(name, ApiStatus.MODIFIED);
        }
        validate(name, body);
        JsonObject next = body.deepCopy();
        normalize(next);
        JsonObject metadata = metadata(next);
        for (String systemField : List.of("namespace", "uid", "creationTimestamp")) {
            metadata.add(systemField, currentMetadata.get(systemField));
        }
        metadata.add("resourceVersion", currentMetadata.get("resourceVersion"));
        if (next.equals(current)) {
            // etcd3 GuaranteedUpdate skips writing identical bytes: the version stays.
            return current.deepCopy();
        }
        return write(namespace, name, next, "MODIFIED");
    }

    private JsonObject write(String namespace, String name, JsonObject lease, String type) {
        revision++;
        metadata(lease).addProperty("resourceVersion", Long.toString(revision));
        leases.put(namespace + "/" + name, lease);
        record(new Event(revision, namespace, name, type, lease.deepCopy()));
        return lease.deepCopy();
    }

    private void record(Event event) {
        events.addLast(event);
        while (events.size() > history) {
            compacted = events.removeFirst().revision() + 1;
        }
        for (Watcher watcher : watchers) {
            if (watcher.filter().test(event)) {
                watcher.queue().add(event);
            }
        }
    }

    /** Go's strconv.ParseUint on a resource version; its error is not a Status, hence HTTP 500. */
    private static long parseVersion(String version) {
        if (version.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseUnsignedLong(version);
        }
        catch (NumberFormatException ex) {
            throw ApiStatus.internal("strconv.ParseUint: parsing \"" + version + "\": invalid syntax");
        }
    }

    private static void checkPrecondition(String namespace, String name, String field, @Nullable String expected,
            String actual) {
        if (expected != null && !expected.equals(actual)) {
            throw ApiStatus.preconditionFailed(namespace, name, field, expected, actual);
        }
    }

    private static void checkNamespace(String namespace, JsonObject metadata) {
        String given = string(metadata, "namespace");
        if (!given.isEmpty() && !given.equals(namespace)) {
            throw ApiStatus.badRequest("the namespace of the provided object does not match the namespace sent on"
                    + " the request");
        }
    }

    /** ValidateLease: the name is a DNS-1123 subdomain, durations positive, transitions not negative. */
    private static void validate(String name, JsonObject lease) {
        List<String[]> errors = new ArrayList<>();
        if (name.isEmpty()) {
            errors.add(new String[] { "metadata.name", "Required value: name or generateName is required" });
        }
        else {
            if (!SUBDOMAIN.matcher(name).matches()) {
                errors.add(new String[] { "metadata.name", "Invalid value: \"" + name + "\": " + SUBDOMAIN_MESSAGE });
            }
            if (name.length() > 253) {
                errors.add(new String[] { "metadata.name",
                        "Invalid value: \"" + name + "\": must be no more than 253 characters" });
            }
        }
        JsonObject spec = lease.has("spec") && lease.get("spec").isJsonObject() ? lease.getAsJsonObject("spec")
                : new JsonObject();
        JsonElement duration = spec.get("leaseDurationSeconds");
        if (duration != null && !duration.isJsonNull() && duration.getAsLong() <= 0) {
            errors.add(new String[] { "spec.leaseDurationSeconds",
                    "Invalid value: " + duration.getAsLong() + ": must be greater than 0" });
        }
        JsonElement transitions = spec.get("leaseTransitions");
        if (transitions != null && !transitions.isJsonNull() && transitions.getAsLong() < 0) {
            errors.add(new String[] { "spec.leaseTransitions",
                    "Invalid value: " + transitions.getAsLong() + ": must be greater than or equal to 0" });
        }
        if (!errors.isEmpty()) {
            throw ApiStatus.invalid(name, errors);
        }
    }

    /** What the server stores and returns: its own apiVersion and kind, no nulls. */
    private static void normalize(JsonObject lease) {
        JsonObject normalized = new JsonObject();
        normalized.addProperty("kind", "Lease");
        normalized.addProperty("apiVersion", ApiStatus.GROUP + "/v1");
        normalized.add("metadata", metadata(lease));
        if (lease.has("spec") && lease.get("spec").isJsonObject()) {
            normalized.add("spec", lease.get("spec"));
        }
        else {
            normalized.add("spec", new JsonObject());
        }
        lease.keySet().clear();
        normalized.entrySet().forEach(entry -> lease.add(entry.getKey(), withoutNulls(entry.getValue())));
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
