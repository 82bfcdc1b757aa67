package dev.sherlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import org.jspecify.annotations.Nullable;

/**
 * A small Lease API server for the tests, speaking kube-apiserver's HTTP/JSON protocol for
 * {@code /apis/coordination.k8s.io/v1/namespaces/{namespace}/leases[/{name}]}: get, list, watch, create, update
 * (PUT), merge patch and delete, with kube-apiserver's status codes and {@code Status} bodies. It rejects what
 * kube-apiserver rejects: bodies are decoded as the typed Lease ({@link LeaseBodies}), objects validated
 * ({@link LeaseValidation}), query parameters converted and validated ({@link LeaseQuery}, {@link LabelSelector}).
 * Storage semantics are in {@link LeaseStore}, watches in {@link LeaseWatchStream}; the {@code LeaseApiServer*Tests}
 * pin all of it against kube-apiserver's code.
 *
 * <p>It can refuse verbs with HTTP 403, as RBAC does, so a test proves which permissions a client needs, everywhere
 * ({@link #start(Set, int)}) or in one namespace ({@link #deny}). It answers
 * {@code SelfSubjectAccessReview}s about leases by the same rules ({@link AccessReviews}), and can refuse the reviews
 * themselves ({@link #refuseAccessReviews}). It serves plain HTTP on a free loopback port, without authentication,
 * and counts requests per verb.
 */
public final class LeaseApiServer implements AutoCloseable {

    /** The RBAC verbs of requests on leases. */
    public enum Verb {
        GET, LIST, WATCH, CREATE, UPDATE, PATCH, DELETE;

        String rbac() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static {
        // Headers and body leave the JDK server as two writes: without TCP_NODELAY, Nagle's algorithm and the
        // client's delayed ACK add 40 ms to every answer. Read once, when the JDK's server configuration loads.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** How often the watch cache sends bookmarks to a watch that asks for them (cacher.go). */
    public static final Duration BOOKMARK_FREQUENCY = Duration.ofMinutes(1);

    /** How long a read waits for a resource version the watch cache has not reached (watch_cache.go). */
    static final Duration BLOCK_TIMEOUT = Duration.ofSeconds(3);

    private static final Pattern PATH = Pattern
        .compile("/apis/coordination\\.k8s\\.io/v1/namespaces/([^/]+)/leases(?:/([^/]+))?/?");

    private final HttpServer server;

    private final ExecutorService threads;

    private final LeaseStore store;

    private final AccessReviews reviews;

    private final Duration bookmarkFrequency;

    private final Map<Verb, AtomicLong> requests = new EnumMap<>(Verb.class);

    private final AtomicLong bookmarks = new AtomicLong();

    private final List<String> watchVersions = new CopyOnWriteArrayList<>();

    private final Map<HttpExchange, Boolean> watches = new ConcurrentHashMap<>();

    private volatile boolean closed;

    private LeaseApiServer(Set<Verb> allowed, int history, Duration bookmarkFrequency) throws IOException {
        this.reviews = new AccessReviews(Set.copyOf(allowed));
        this.bookmarkFrequency = bookmarkFrequency;
        this.store = new LeaseStore(history, Set.of("default"));
        // A backend built without a namespace in a pod (a CI runner on Kubernetes) uses the pod's namespace: it
        // exists, as it does on the pod's own cluster.
        podNamespace().ifPresent(store::addNamespace);
        for (Verb verb : Verb.values()) {
            requests.put(verb, new AtomicLong());
        }
        this.threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "lease-api-server");
            thread.setDaemon(true);
            return thread;
        });
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a server that allows every verb and keeps 10,000 events for watches. */
    public static LeaseApiServer start() {
        return start(Set.of(Verb.values()), 10_000);
    }

    /**
     * Starts a server with kube-apiserver's bookmark frequency.
     * @param allowed the verbs RBAC allows; others answer 403 Forbidden
     * @param history how many events watches can replay; older resource versions answer 410 Expired
     */
    public static LeaseApiServer start(Set<Verb> allowed, int history) {
        return start(allowed, history, BOOKMARK_FREQUENCY);
    }

    /**
     * Starts a server.
     * @param allowed the verbs RBAC allows; others answer 403 Forbidden
     * @param history how many events watches can replay; older resource versions answer 410 Expired
     * @param bookmarkFrequency how often watches that allow bookmarks get one (besides 2 s before their end)
     */
    public static LeaseApiServer start(Set<Verb> allowed, int history, Duration bookmarkFrequency) {
        try {
            return new LeaseApiServer(allowed, history, bookmarkFrequency);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot start the test Lease API server on a loopback port", ex);
        }
    }

    private static Optional<String> podNamespace() {
        Path file = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
        try {
            String namespace = Files.isReadable(file) ? Files.readString(file).trim() : "";
            return namespace.isEmpty() ? Optional.empty() : Optional.of(namespace);
        }
        catch (IOException ex) {
            return Optional.empty();
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /** The loopback port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** A new client-java client for this server, as an application would configure one. */
    public ApiClient client() {
        return Config.fromUrl(url(), false);
    }

    /** Makes a namespace exist ({@code default} always does). */
    public void createNamespace(String namespace) {
        store.addNamespace(namespace);
    }

    /**
     * Refuses these verbs on leases in this namespace, as RBAC without a grant does: requests answer 403 Forbidden,
     * and {@code SelfSubjectAccessReview}s answer {@code allowed: false}. Verbs are RBAC's, e.g. {@code "watch"}.
     */
    public void deny(String namespace, String... verbs) {
        reviews.deny(namespace, verbs);
    }

    /**
     * Answers {@code SelfSubjectAccessReview}s with this HTTP status from now on: 403 as when RBAC does not let the
     * caller create them, 404 as a server that does not serve them; 0 answers them again.
     */
    public void refuseAccessReviews(int status) {
        reviews.refuse(status);
    }

    /** How many {@code SelfSubjectAccessReview}s were requested (any status). */
    public long accessReviews() {
        return reviews.count();
    }

    /** The stored Lease as JSON, or {@code null}. */
    public @Nullable JsonObject lease(String namespace, String name) {
        return store.get(namespace, name);
    }

    /** The Leases stored in a namespace. */
    public List<JsonObject> leases(String namespace) {
        return store.list(namespace, lease -> true);
    }

    /** How many requests of this verb were answered (any status). */
    public long requests(Verb verb) {
        return requests.get(verb).get();
    }

    /** How many periodic BOOKMARK events watches were sent. */
    public long bookmarks() {
        return bookmarks.get();
    }

    /** The {@code resourceVersion} of every watch request, in order ("" when absent). */
    public List<String> watchVersions() {
        return List.copyOf(watchVersions);
    }

    @Override
    public void close() {
        closed = true;
        watches.keySet().forEach(HttpExchange::close);
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange);
        }
        catch (ApiStatus status) {
            send(exchange, status.code, status.body, List.of());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (RuntimeException ex) {
            send(exchange, 500, ApiStatus.internal(ex.toString()).body, List.of());
        }
        finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException, InterruptedException {
        if (exchange.getRequestURI().getRawPath().equals(AccessReviews.PATH)) {
            send(exchange, 201, reviews.review(exchange.getRequestMethod(), body(exchange)), List.of());
            return;
        }
        Matcher path = PATH.matcher(exchange.getRequestURI().getRawPath());
        if (!path.matches()) {
            throw ApiStatus.noSuchPath();
        }
        String namespace = LeaseQuery.decode(path.group(1));
        String name = path.group(2) == null ? "" : LeaseQuery.decode(path.group(2));
        LeaseQuery query = LeaseQuery.parse(exchange.getRequestURI().getRawQuery());
        Verb verb = verb(exchange.getRequestMethod(), name, query);
        requests.get(verb).incrementAndGet();
        if (reviews.denies(namespace, verb)) {
            throw ApiStatus.forbidden(verb.rbac(), name, namespace);
        }
        List<String> warnings = new ArrayList<>();
        switch (verb) {
            case GET -> send(exchange, 200, store.read(namespace, name), warnings);
            case LIST -> send(exchange, 200, list(namespace, query.listOptions()), warnings);
            case WATCH -> watch(exchange, namespace, query.listOptions());
            case CREATE -> {
                String validation = query.fieldValidation("CreateOptions");
                send(exchange, 201, store.create(namespace, LeaseBodies.body(body(exchange), validation, warnings)),
                        warnings);
            }
            case UPDATE -> {
                String validation = query.fieldValidation("UpdateOptions");
                send(exchange, 200, store.update(namespace, name, LeaseBodies.body(body(exchange), validation,
                        warnings)), warnings);
            }
            case PATCH -> send(exchange, 200, patch(exchange, namespace, name, query, warnings), warnings);
            case DELETE -> send(exchange, 200, delete(exchange, namespace, name), warnings);
        }
    }

    private static Verb verb(String method, String name, LeaseQuery query) {
        return switch (method) {
            case "GET" -> name.isEmpty() ? (query.flag("watch") ? Verb.WATCH : Verb.LIST) : Verb.GET;
            case "POST" -> {
                if (!name.isEmpty()) {
                    throw ApiStatus.methodNotAllowed();
                }
                yield Verb.CREATE;
            }
            case "PUT" -> Verb.UPDATE;
            case "PATCH" -> Verb.PATCH;
            case "DELETE" -> Verb.DELETE;
            default -> throw ApiStatus.methodNotAllowed();
        };
    }

    /** A list is served at or after its resourceVersion; one the store does not reach in time is a 504. */
    private JsonObject list(String namespace, LeaseQuery.ListOptions options) throws InterruptedException {
        String version = options.resourceVersion();
        long minimum = version.isEmpty() ? 0 : LeaseStore.parseVersion(version);
        if (minimum > 0 && !store.awaitRevision(minimum, BLOCK_TIMEOUT.toNanos())) {
            throw ApiStatus.tooLargeResourceVersion(minimum, store.revision());
        }
        return store.leaseList(namespace, options.selector());
    }

    private JsonObject patch(HttpExchange exchange, String namespace, String name, LeaseQuery query,
            List<String> warnings) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/merge-patch+json")) {
            throw ApiStatus.unsupportedMediaType(type);
        }
        String validation = query.fieldValidation("PatchOptions");
        JsonElement patch;
        try {
            patch = JsonParser.parseString(new String(body(exchange), StandardCharsets.UTF_8));
        }
        catch (RuntimeException ex) {
            throw ApiStatus.badRequest("error decoding patch: " + ex.getMessage());
        }
        if (!patch.isJsonObject()) {
            throw ApiStatus.badRequest("the patch is not a JSON object");
        }
        return store.mergePatch(namespace, name, patch.getAsJsonObject(),
                patched -> LeaseBodies.patched(patched, validation, warnings));
    }

    private JsonObject delete(HttpExchange exchange, String namespace, String name) throws IOException {
        String uid = null;
        String version = null;
        byte[] bytes = body(exchange);
        JsonObject options = bytes.length == 0 ? new JsonObject()
                : JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8)).getAsJsonObject();
        if (options.has("preconditions") && options.get("preconditions").isJsonObject()) {
            JsonObject preconditions = options.getAsJsonObject("preconditions");
            uid = preconditions.has("uid") ? LeaseJson.string(preconditions, "uid") : null;
            version = preconditions.has("resourceVersion") ? LeaseJson.string(preconditions, "resourceVersion")
                    : null;
        }
        JsonObject deleted = store.delete(namespace, name, uid, version);
        return ApiStatus.deleted(name, LeaseJson.string(deleted, "uid"));
    }

    private void watch(HttpExchange exchange, String namespace, LeaseQuery.ListOptions options)
            throws IOException, InterruptedException {
        watchVersions.add(options.resourceVersion());
        LeaseWatchStream stream = new LeaseWatchStream(store, new LeaseWatchStream.Request(namespace,
                options.selector(), options.resourceVersion(), options.sendInitialEvents(),
                options.allowWatchBookmarks(), options.timeoutSeconds()), bookmarkFrequency, BLOCK_TIMEOUT,
                bookmarks::incrementAndGet);
        watches.put(exchange, Boolean.TRUE);
        try {
            stream.serve(exchange, () -> closed);
        }
        catch (IOException ex) {
            // The client went away.
        }
        finally {
            watches.remove(exchange);
        }
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    /** Sends a JSON answer, with a {@code Warning: 299 - "..."} header per warning (unknown fields dropped). */
    private static void send(HttpExchange exchange, int code, JsonObject body, List<String> warnings) {
        try {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            for (String warning : warnings) {
                exchange.getResponseHeaders().add("Warning", "299 - " + GoTime.quote(warning));
            }
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        catch (IOException ex) {
            // The client went away; nothing to answer.
        }
    }
}
