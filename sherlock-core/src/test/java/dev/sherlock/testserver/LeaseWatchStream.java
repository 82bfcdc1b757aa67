package dev.sherlock.testserver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import org.jspecify.annotations.Nullable;

/**
 * One watch request, served as kube-apiserver's watch cache serves it (staging/src/k8s.io/apiserver/pkg/storage/
 * cacher): a 200 response of newline-separated events until {@code timeoutSeconds}, the client leaving or the server
 * closing.
 *
 * <ul>
 * <li>From a resource version: the events after it; one compacted away is an ERROR event with 410 Expired; one the
 * store has not reached yet is accepted and delivers events once the store passes it (no error: only a watch-list
 * request waits for it).</li>
 * <li>Watch-list ({@code sendInitialEvents=true}, the default of a watch from "" or "0" since the WatchList feature
 * is on): the current objects as ADDED events, then, with {@code allowWatchBookmarks}, a BOOKMARK annotated
 * {@code k8s.io/initial-events-end}; a resource version the store does not reach within 3 s is an ERROR event with
 * 504 Timeout and a ResourceVersionTooLarge cause.</li>
 * <li>With {@code allowWatchBookmarks=true}: a BOOKMARK carrying the store's revision roughly every minute (the
 * server's bookmark frequency) and 2 s before the watch's deadline, when that revision is newer than where the
 * watch started; it is a Lease with only {@code metadata.resourceVersion} set.</li>
 * </ul>
 */
final class LeaseWatchStream {

    /** What the request asked for. */
    record Request(String namespace, Predicate<JsonObject> selector, String resourceVersion,
            @Nullable Boolean sendInitialEvents, boolean bookmarks, long timeoutSeconds) {
    }

    private final LeaseStore store;

    private final Request request;

    private final Duration bookmarkFrequency;

    private final Duration blockTimeout;

    private final Runnable bookmarkSent;

    LeaseWatchStream(LeaseStore store, Request request, Duration bookmarkFrequency, Duration blockTimeout,
            Runnable bookmarkSent) {
        this.store = store;
        this.request = request;
        this.bookmarkFrequency = bookmarkFrequency;
        this.blockTimeout = blockTimeout;
        this.bookmarkSent = bookmarkSent;
    }

    /** Streams until the deadline, the client leaving, or {@code closed}. */
    void serve(HttpExchange exchange, BooleanSupplier closed) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(request.timeoutSeconds());
        BlockingQueue<LeaseStore.Event> queue = new LinkedBlockingQueue<>();
        String version = request.resourceVersion();
        boolean initial = Boolean.TRUE.equals(request.sendInitialEvents());
        long from = version.isEmpty() ? (initial ? store.revision() : 0) : LeaseStore.parseVersion(version);
        if (initial && !store.awaitRevision(from, blockTimeout.toNanos())) {
            startStream(exchange);
            write(exchange.getResponseBody(), "ERROR", ApiStatus.tooLargeResourceVersion(from, store.revision()).body);
            return;
        }
        if (Boolean.FALSE.equals(request.sendInitialEvents()) && (version.isEmpty() || version.equals("0"))) {
            from = store.revision();
        }
        LeaseStore.Watcher watcher;
        try {
            watcher = store.watch(request.namespace(), request.selector(), queue, from, initial);
        }
        catch (ApiStatus expired) {
            // A watch answers 200 and then reports the expired version as an ERROR event.
            startStream(exchange);
            write(exchange.getResponseBody(), "ERROR", expired.body);
            return;
        }
        long start = watcher.start();
        try {
            startStream(exchange);
            OutputStream out = exchange.getResponseBody();
            if (initial) {
                flush(queue, out, start);
                if (request.bookmarks()) {
                    JsonObject end = bookmark(start);
                    JsonObject annotations = new JsonObject();
                    annotations.addProperty("k8s.io/initial-events-end", "true");
                    LeaseJson.metadata(end).add("annotations", annotations);
                    write(out, "BOOKMARK", end);
                }
            }
            long nextBookmark = nextBookmark(System.nanoTime(), deadline);
            while (!closed.getAsBoolean()) {
                long now = System.nanoTime();
                if (deadline - now <= 0) {
                    return;
                }
                if (request.bookmarks() && nextBookmark != 0 && nextBookmark - now <= 0) {
                    // In order, as through the watch cache's channel: the events up to the bookmark go first.
                    long revision = store.revision();
                    flush(queue, out, revision);
                    if (revision > start) {
                        write(out, "BOOKMARK", bookmark(revision));
                        bookmarkSent.run();
                    }
                    nextBookmark = nextBookmark(now, deadline);
                    continue;
                }
                long wake = request.bookmarks() && nextBookmark != 0 ? Math.min(deadline, nextBookmark) : deadline;
                LeaseStore.Event event = queue.poll(Math.min(wake - now, TimeUnit.MILLISECONDS.toNanos(200)),
                        TimeUnit.NANOSECONDS);
                if (event != null) {
                    write(out, event.type(), event.object());
                }
            }
        }
        finally {
            store.unwatch(watcher);
        }
    }

    /** {@code min(now + frequency, deadline - 2 s)}, or 0 (none) once that is in the past. */
    private long nextBookmark(long now, long deadline) {
        long next = Math.min(now + bookmarkFrequency.toNanos(), deadline - TimeUnit.SECONDS.toNanos(2));
        return next - now < 0 ? 0 : next;
    }

    /** Writes the queued events up to {@code revision}; the store queues them in revision order. */
    private static void flush(BlockingQueue<LeaseStore.Event> queue, OutputStream out, long revision)
            throws IOException {
        LeaseStore.Event event;
        while ((event = queue.peek()) != null && event.revision() <= revision) {
            queue.remove();
            write(out, event.type(), event.object());
        }
    }

    /** The watch cache's bookmark: a new, empty Lease whose only content is the resource version. */
    private static JsonObject bookmark(long revision) {
        JsonObject bookmark = new JsonObject();
        bookmark.addProperty("kind", "Lease");
        bookmark.addProperty("apiVersion", ApiStatus.GROUP + "/v1");
        JsonObject metadata = new JsonObject();
        metadata.addProperty("resourceVersion", Long.toString(revision));
        metadata.add("creationTimestamp", JsonNull.INSTANCE);
        bookmark.add("metadata", metadata);
        bookmark.add("spec", new JsonObject());
        return bookmark;
    }

    static void startStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Transfer-Encoding", "chunked");
        exchange.sendResponseHeaders(200, 0);
    }

    private static void write(OutputStream out, String type, JsonObject object) throws IOException {
        JsonObject event = new JsonObject();
        event.addProperty("type", type);
        event.add("object", object);
        out.write((event + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
