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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.jspecify.annotations.Nullable;

/**
 * The storage and registry semantics of kube-apiserver for {@code coordination.k8s.io/v1} Leases, as its code
 * defines them (apiserver/pkg/registry/generic/registry/store.go over storage/etcd3/store.go, and
 * pkg/apis/coordination/validation): one global revision counter that every write increments, as etcd's does;
 * create only if absent; update and patch only at the current {@code resourceVersion} (or unconditionally without
 * one, which Leases allow); no-op updates keep the version; delete honouring preconditions; validation
 * ({@link LeaseValidation}); an event log that watches replay from a resource version, each event filtered per watch
 * on the object before and after the change, as the watch cache does.
 *
 * <p>Every operation runs under one lock, so writers are linearized exactly as etcd's transactions are.
 */
final class LeaseStore {

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

    /**
     * A change: the object after it (for DELETED, the last state stamped with the deletion's version) and before it
     * ({@code null} for a creation).
     */
    record Event(long revision, String namespace, String name, String type, JsonObject object,
            @Nullable JsonObject previous) {

        /**
         * The event as a watch with this selector sees it, or {@code null} (cache_watcher.go convertToWatchEvent):
         * an object that starts matching is ADDED, one that stops matching is DELETED.
         */
        @Nullable Event seenBy(String watchedNamespace, Predicate<JsonObject> selector) {
            if (!namespace.equals(watchedNamespace)) {
                return null;
            }
            boolean now = !type.equals("DELETED") && selector.test(object);
            boolean before = previous != null && selector.test(previous);
            if (now) {
                return new Event(revision, namespace, name, before ? "MODIFIED" : "ADDED", object, previous);
            }
            if (!before) {
                return null;
            }
            JsonObject gone = previous.deepCopy();
            LeaseJson.metadata(gone).addProperty("resourceVersion", Long.toString(revision));
            return new Event(revision, namespace, name, "DELETED", gone, previous);
        }
    }

    /** A running watch: what it selects, where its events go, and the revision after which it delivers them. */
    record Watcher(String namespace, Predicate<JsonObject> selector, BlockingQueue<Event> queue, long start) {
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

    /** A LeaseList of the selected Leases, at the store's current revision. */
    synchronized JsonObject leaseList(String namespace, Predicate<JsonObject> selector) {
        JsonObject list = new JsonObject();
        list.addProperty("kind", "LeaseList");
        list.addProperty("apiVersion", ApiStatus.GROUP + "/v1");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("resourceVersion", Long.toString(revision));
        list.add("metadata", metadata);
        JsonArray items = new JsonArray();
        list(namespace, selector).forEach(items::add);
        list.add("items", items);
        return list;
    }

    /** POST of a decoded Lease ({@link LeaseDecoder}). */
    synchronized JsonObject create(String namespace, JsonObject body) {
        JsonObject metadata = LeaseJson.metadata(body);
        checkNamespace(namespace, metadata);
        String name = LeaseJson.string(metadata, "name");
        LeaseValidation.validate(name, body);
        if (!namespaces.contains(namespace)) {
            throw ApiStatus.namespaceNotFound(namespace);
        }
        String version = LeaseJson.string(metadata, "resourceVersion");
        if (!version.isEmpty() && !version.equals("0")) {
            // etcd3 store Create: errors.New(...), which is not a Status and so comes out as HTTP 500.
            throw ApiStatus.internal("resourceVersion should not be set on objects to be created");
        }
        if (leases.containsKey(namespace + "/" + name)) {
            throw ApiStatus.alreadyExists(name);
        }
        JsonObject lease = LeaseJson.normalized(body);
        JsonObject stored = LeaseJson.metadata(lease);
        stored.addProperty("namespace", namespace);
        stored.addProperty("uid", UUID.randomUUID().toString());
        stored.addProperty("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return write(namespace, name, lease, "ADDED", null);
    }

    /** PUT of a decoded Lease: replace at the given resourceVersion, or unconditionally without one. */
    synchronized JsonObject update(String namespace, String name, JsonObject body) {
        JsonObject metadata = LeaseJson.metadata(body);
        checkNamespace(namespace, metadata);
        String bodyName = LeaseJson.string(metadata, "name");
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

    /**
     * PATCH with a JSON merge patch (RFC 7386) applied to the stored object, decoded by {@code decode}, then updated
     * as a PUT would be.
     */
    synchronized JsonObject mergePatch(String namespace, String name, JsonObject patch,
            UnaryOperator<JsonObject> decode) {
        JsonObject current = leases.get(namespace + "/" + name);
        if (current == null) {
            throw ApiStatus.notFound(name);
        }
        JsonObject patched = decode.apply((JsonObject) LeaseJson.merge(current.deepCopy(), patch));
        JsonObject metadata = LeaseJson.metadata(patched);
        if (!LeaseJson.string(metadata, "name").equals(name)) {
            throw ApiStatus.badRequest("metadata.name: Invalid value: \"" + LeaseJson.string(metadata, "name")
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
        JsonObject metadata = LeaseJson.metadata(current);
        checkPrecondition(namespace, name, "UID", uid, LeaseJson.string(metadata, "uid"));
        checkPrecondition(namespace, name, "ResourceVersion", resourceVersion,
                LeaseJson.string(metadata, "resourceVersion"));
        leases.remove(namespace + "/" + name);
        revision++;
        JsonObject deleted = current.deepCopy();
        // The watch cache stamps a deleted object with the revision of its deletion.
        LeaseJson.metadata(deleted).addProperty("resourceVersion", Long.toString(revision));
        record(new Event(revision, namespace, name, "DELETED", deleted, current));
        notifyAll();
        return metadata;
    }

    /**
     * Registers a watch: events after {@code from} are queued at once, later ones as they happen. With
     * {@code initial}, the current objects come first as ADDED events and the watch follows from the current revision.
     * A {@code from} the store has not reached yet is accepted: its events come once the store passes it, as the
     * watch cache does for a plain watch.
     * @throws ApiStatus 410 Expired if {@code from} was compacted away
     */
    synchronized Watcher watch(String namespace, Predicate<JsonObject> selector, BlockingQueue<Event> queue,
            long from, boolean initial) {
        long start = from;
        if (initial) {
            for (JsonObject lease : list(namespace, selector)) {
                String name = LeaseJson.string(LeaseJson.metadata(lease), "name");
                queue.add(new Event(revision, namespace, name, "ADDED", lease, null));
            }
            start = Math.max(from, revision);
        }
        else {
            if (from < compacted - 1) {
                throw ApiStatus.expired(Long.toString(from), compacted - 1);
            }
            for (Event event : events) {
                Event seen = event.revision() > from ? event.seenBy(namespace, selector) : null;
                if (seen != null) {
                    queue.add(seen);
                }
            }
        }
        Watcher watcher = new Watcher(namespace, selector, queue, start);
        watchers.add(watcher);
        return watcher;
    }

    /** Waits until the store's revision reaches {@code version}; returns whether it did within the timeout. */
    synchronized boolean awaitRevision(long version, long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (revision < version) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    void unwatch(Watcher watcher) {
        watchers.remove(watcher);
    }

    private JsonObject guardedUpdate(String namespace, String name, JsonObject current, JsonObject body) {
        JsonObject currentMetadata = LeaseJson.metadata(current);
        String uid = LeaseJson.string(LeaseJson.metadata(body), "uid");
        if (!uid.isEmpty()) {
            checkPrecondition(namespace, name, "UID", uid, LeaseJson.string(currentMetadata, "uid"));
        }
        String version = LeaseJson.string(LeaseJson.metadata(body), "resourceVersion");
        long requested = parseVersion(version);
        if (requested != 0 && requested != parseVersion(LeaseJson.string(currentMetadata, "resourceVersion"))) {
            throw ApiStatus.conflict(name, ApiStatus.MODIFIED);
        }
        LeaseValidation.validate(name, body);
        JsonObject next = LeaseJson.normalized(body);
        JsonObject metadata = LeaseJson.metadata(next);
        for (String systemField : List.of("namespace", "uid", "creationTimestamp")) {
            metadata.add(systemField, currentMetadata.get(systemField));
        }
        metadata.add("resourceVersion", currentMetadata.get("resourceVersion"));
        if (next.equals(current)) {
            // etcd3 GuaranteedUpdate skips writing identical bytes: the version stays.
            return current.deepCopy();
        }
        return write(namespace, name, next, "MODIFIED", current);
    }

    private JsonObject write(String namespace, String name, JsonObject lease, String type,
            @Nullable JsonObject previous) {
        revision++;
        LeaseJson.metadata(lease).addProperty("resourceVersion", Long.toString(revision));
        leases.put(namespace + "/" + name, lease);
        record(new Event(revision, namespace, name, type, lease.deepCopy(), previous));
        notifyAll();
        return lease.deepCopy();
    }

    private void record(Event event) {
        events.addLast(event);
        while (events.size() > history) {
            compacted = events.removeFirst().revision() + 1;
        }
        for (Watcher watcher : watchers) {
            Event seen = event.revision() > watcher.start() ? event.seenBy(watcher.namespace(), watcher.selector())
                    : null;
            if (seen != null) {
                watcher.queue().add(seen);
            }
        }
    }

    /** Go's strconv.ParseUint on a resource version; its error is not a Status, hence HTTP 500. */
    static long parseVersion(String version) {
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
        String given = LeaseJson.string(metadata, "namespace");
        if (!given.isEmpty() && !given.equals(namespace)) {
            throw ApiStatus.badRequest("the namespace of the provided object does not match the namespace sent on"
                    + " the request");
        }
    }
}
