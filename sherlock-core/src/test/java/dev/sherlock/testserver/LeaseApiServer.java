package dev.sherlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
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
 * (PUT), merge patch and delete, with kube-apiserver's status codes and {@code Status} bodies. Its semantics are
 * in {@link LeaseStore}; {@code LeaseApiServerTests} pins them against kube-apiserver's documented behaviour.
 *
 * <p>It can refuse verbs with HTTP 403, as RBAC does, so a test proves which permissions a client needs. It serves
 * plain HTTP on a free loopback port, without authentication, and counts requests per verb.
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

    private static final Pattern PATH = Pattern
        .compile("/apis/coordination\\.k8s\\.io/v1/namespaces/([^/]+)/leases(?:/([^/]+))?/?");

    private final HttpServer server;

    private final ExecutorService threads;

    private final LeaseStore store;

    private final Set<Verb> allowed;

    private final Map<Verb, AtomicLong> requests = new EnumMap<>(Verb.class);

    private final Map<HttpExchange, Boolean> watches = new ConcurrentHashMap<>();

    private volatile boolean closed;

    private LeaseApiServer(Set<Verb> allowed, int history) throws IOException {
        this.allowed = Set.copyOf(allowed);
        this.store = new LeaseStore(history, Set.of("default"));
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
     * Starts a server.
     * @param allowed the verbs RBAC allows; others answer 403 Forbidden
     * @param history how many events watches can replay; older resource versions answer 410 Expired
     */
    public static LeaseApiServer start(Set<Verb> allowed, int history) {
        try {
            return new LeaseApiServer(allowed, history);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot start the test Lease API server on a loopback port", ex);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /** A new client-java client for this server, as an application would configure one. */
    public ApiClient client() {
        return Config.fromUrl(url(), false);
    }

    /** Makes a namespace exist ({@code default} always does). */
    public void createNamespace(String namespace) {
        store.addNamespace(namespace);
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
            send(exchange, status.code, status.body);
        }
        catch (RuntimeException ex) {
            send(exchange, 500, ApiStatus.internal(ex.toString()).body);
        }
        finally {
            exchange.close();
        }
    }

    private void route(HttpExchange exchange) throws IOException {
        Matcher path = PATH.matcher(exchange.getRequestURI().getRawPath());
        if (!path.matches()) {
            throw ApiStatus.noSuchPath();
        }
        String namespace = decode(path.group(1));
        String name = path.group(2) == null ? "" : decode(path.group(2));
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Verb verb = verb(exchange.getRequestMethod(), name, query);
        requests.get(verb).incrementAndGet();
        if (!allowed.contains(verb)) {
            throw ApiStatus.forbidden(verb.rbac(), name, namespace);
        }
        switch (verb) {
            case GET -> send(exchange, 200, store.read(namespace, name));
            case LIST -> send(exchange, 200, list(namespace, selector(query)));
            case WATCH -> watch(exchange, namespace, query);
            case CREATE -> send(exchange, 201, store.create(namespace, body(exchange)));
            case UPDATE -> send(exchange, 200, store.update(namespace, name, body(exchange)));
            case PATCH -> send(exchange, 200, patch(exchange, namespace, name));
            case DELETE -> send(exchange, 200, delete(exchange, namespace, name));
        }
    }

    private static Verb verb(String method, String name, Map<String, String> query) {
        boolean watch = "true".equals(query.get("watch")) || "1".equals(query.get("watch"));
        return switch (method) {
            case "GET" -> name.isEmpty() ? (watch ? Verb.WATCH : Verb.LIST) : Verb.GET;
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

    private JsonObject list(String namespace, Predicate<JsonObject> selector) {
        JsonObject list = new JsonObject();
        list.addProperty("kind", "LeaseList");
        list.addProperty("apiVersion", ApiStatus.GROUP + "/v1");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("resourceVersion", Long.toString(store.revision()));
        list.add("metadata", metadata);
        JsonArray items = new JsonArray();
        store.list(namespace, selector).forEach(items::add);
        list.add("items", items);
        return list;
    }

    private JsonObject patch(HttpExchange exchange, String namespace, String name) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/merge-patch+json")) {
            throw ApiStatus.unsupportedMediaType(type);
        }
        return store.mergePatch(namespace, name, body(exchange));
    }

    private JsonObject delete(HttpExchange exchange, String namespace, String name) throws IOException {
        String uid = null;
        String version = null;
        JsonObject options = body(exchange);
        if (options.has("preconditions") && options.get("preconditions").isJsonObject()) {
            JsonObject preconditions = options.getAsJsonObject("preconditions");
            uid = preconditions.has("uid") ? LeaseStore.string(preconditions, "uid") : null;
            version = preconditions.has("resourceVersion") ? LeaseStore.string(preconditions, "resourceVersion")
                    : null;
        }
        JsonObject deleted = store.delete(namespace, name, uid, version);
        // registry.Store.Delete of an object without graceful deletion: a Success status naming it.
        JsonObject status = new JsonObject();
        status.addProperty("kind", "Status");
        status.addProperty("apiVersion", "v1");
        status.add("metadata", new JsonObject());
        status.addProperty("status", "Success");
        JsonObject details = ApiStatus.details(name, ApiStatus.GROUP, "leases");
        details.addProperty("uid", LeaseStore.string(deleted, "uid"));
        status.add("details", details);
        return status;
    }

    /** Streams events, one JSON object per line, until the timeout, the client leaving or the server closing. */
    private void watch(HttpExchange exchange, String namespace, Map<String, String> query) throws IOException {
        BlockingQueue<LeaseStore.Event> queue = new LinkedBlockingQueue<>();
        String version = query.getOrDefault("resourceVersion", "");
        Predicate<JsonObject> selector = selector(query);
        long timeout = TimeUnit.SECONDS.toNanos(Long.parseLong(query.getOrDefault("timeoutSeconds", "1800")));
        long deadline = System.nanoTime() + timeout;
        LeaseStore.Watcher watcher;
        try {
            watcher = store.watch(namespace, version, selector, queue);
        }
        catch (ApiStatus expired) {
            if (expired.code != 410) {
                throw expired;
            }
            // A watch answers 200 and then reports the expired version as an ERROR event.
            startStream(exchange);
            writeEvent(exchange.getResponseBody(), "ERROR", expired.body);
            return;
        }
        watches.put(exchange, Boolean.TRUE);
        try {
            startStream(exchange);
            OutputStream out = exchange.getResponseBody();
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LeaseStore.Event event = queue.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)),
                        TimeUnit.NANOSECONDS);
                if (event != null) {
                    writeEvent(out, event.type(), event.object());
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        catch (IOException ex) {
            // The client went away.
        }
        finally {
            store.unwatch(watcher);
            watches.remove(exchange);
        }
    }

    private static void startStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Transfer-Encoding", "chunked");
        exchange.sendResponseHeaders(200, 0);
    }

    private static void writeEvent(OutputStream out, String type, JsonObject object) throws IOException {
        JsonObject event = new JsonObject();
        event.addProperty("type", type);
        event.add("object", object);
        out.write((event + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Field selectors on metadata.name and metadata.namespace, as Leases support; no label selectors here. */
    private static Predicate<JsonObject> selector(Map<String, String> query) {
        if (query.containsKey("labelSelector") && !query.get("labelSelector").isEmpty()) {
            throw ApiStatus.badRequest("this test server does not support labelSelector");
        }
        String fields = query.getOrDefault("fieldSelector", "");
        Predicate<JsonObject> selector = lease -> true;
        for (String term : fields.split(",")) {
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
            Predicate<JsonObject> term0 = lease -> LeaseStore.string(LeaseStore.metadata(lease), field).equals(value);
            selector = selector.and(negated ? term0.negate() : term0);
        }
        return selector;
    }

    private static JsonObject body(HttpExchange exchange) throws IOException {
        byte[] bytes;
        try (InputStream in = exchange.getRequestBody()) {
            bytes = in.readAllBytes();
        }
        if (bytes.length == 0) {
            return new JsonObject();
        }
        try {
            JsonElement json = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) {
                throw ApiStatus.badRequest("the request body is not a JSON object");
            }
            return json.getAsJsonObject();
        }
        catch (RuntimeException ex) {
            if (ex instanceof ApiStatus status) {
                throw status;
            }
            throw ApiStatus.badRequest("the request body could not be decoded: " + ex.getMessage());
        }
    }

    private static void send(HttpExchange exchange, int code, JsonObject body) {
        try {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        catch (IOException ex) {
            // The client went away; nothing to answer.
        }
    }

    private static Map<String, String> query(@Nullable String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                query.put(decode(pair.substring(0, equals)), decode(pair.substring(equals + 1)));
            }
        }
        return query;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
