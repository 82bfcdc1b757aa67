package dev.sherlock.testserver;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;

import com.google.gson.JsonObject;
import dev.sherlock.testserver.LeaseApiHttp.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the watch cache's bookmarks, watch-list requests and resource versions ahead of the store to
 * kube-apiserver's (apiserver/pkg/storage/cacher: cache_watcher.go nextBookmarkTime, cacher.go
 * waitUntilWatchCacheFreshAndForceAllEvents, storage/errors.go NewTooLargeResourceVersionError).
 */
class LeaseApiServerBookmarkTests {

    private static LeaseApiServer server;

    private static LeaseApiHttp http;

    @BeforeAll
    static void start() {
        server = LeaseApiServer.start();
        http = new LeaseApiHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Creates a Lease and returns its resource version. */
    private static long change() {
        Answer created = http.post(LeaseApiHttp.lease("bookmark-" + UUID.randomUUID(), "\"holderIdentity\":\"a\""));
        return Long.parseLong(created.body().getAsJsonObject("metadata").get("resourceVersion").getAsString());
    }

    private static List<String> types(List<JsonObject> events) {
        return events.stream().map(event -> event.get("type").getAsString()).toList();
    }

    private static String version(JsonObject event) {
        return event.getAsJsonObject("object").getAsJsonObject("metadata").get("resourceVersion").getAsString();
    }

    @Test
    @DisplayName("a watch that allows bookmarks gets one 2 s before its end, carrying the store's newer revision")
    void bookmarkBeforeTheEnd() {
        long from = change();
        long latest = change();
        List<JsonObject> events = http.watch("fieldSelector=metadata.name%3Dnobody&allowWatchBookmarks=true"
                + "&timeoutSeconds=3&resourceVersion=" + from);
        assertThat(types(events)).containsExactly("BOOKMARK");
        JsonObject bookmark = events.get(0).getAsJsonObject("object");
        assertThat(bookmark.get("kind").getAsString()).isEqualTo("Lease");
        assertThat(bookmark.get("apiVersion").getAsString()).isEqualTo("coordination.k8s.io/v1");
        assertThat(bookmark.getAsJsonObject("metadata").keySet()).containsExactlyInAnyOrder("resourceVersion",
                "creationTimestamp");
        assertThat(bookmark.getAsJsonObject("metadata").get("creationTimestamp").isJsonNull()).isTrue();
        assertThat(Long.parseLong(version(events.get(0)))).isGreaterThanOrEqualTo(latest);
        assertThat(bookmark.getAsJsonObject("spec").size()).isZero();
    }

    @Test
    @DisplayName("no bookmark without allowWatchBookmarks, nor when nothing changed since the watch's version")
    void noBookmarkUnlessAskedAndNewer() {
        long from = change();
        change();
        assertThat(http.watch("fieldSelector=metadata.name%3Dnobody&timeoutSeconds=3&resourceVersion=" + from))
            .isEmpty();
        long current = change();
        assertThat(http.watch("fieldSelector=metadata.name%3Dnobody&allowWatchBookmarks=true&timeoutSeconds=3"
                + "&resourceVersion=" + current)).isEmpty();
    }

    @Test
    @DisplayName("bookmarks come periodically, at the server's bookmark frequency")
    void periodicBookmarks() {
        try (LeaseApiServer frequent = LeaseApiServer.start(EnumSet.allOf(LeaseApiServer.Verb.class), 100,
                Duration.ofMillis(300))) {
            LeaseApiHttp frequentHttp = new LeaseApiHttp(frequent);
            frequentHttp.post(LeaseApiHttp.lease("first", ""));
            frequentHttp.post(LeaseApiHttp.lease("second", ""));
            List<JsonObject> events = frequentHttp.watch("fieldSelector=metadata.name%3Dnobody"
                    + "&allowWatchBookmarks=true&timeoutSeconds=4&resourceVersion=2");
            assertThat(events.size()).isGreaterThanOrEqualTo(3);
            assertThat(types(events)).containsOnly("BOOKMARK");
            assertThat(frequent.bookmarks()).isEqualTo(events.size());
        }
    }

    @Test
    @DisplayName("a watch from a version the store has not reached is accepted and delivers the events after it")
    void watchAheadOfTheStoreWaits() throws Exception {
        long current = change();
        Thread writer = new Thread(() -> {
            try {
                Thread.sleep(300);
                change();
                change();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        writer.start();
        List<JsonObject> events = http.watch("timeoutSeconds=2&resourceVersion=" + (current + 1));
        writer.join();
        assertThat(types(events)).containsExactly("ADDED");
        assertThat(version(events.get(0))).isEqualTo(Long.toString(current + 2));
    }

    @Test
    @DisplayName("a watch-list sends the current objects, then a bookmark marking the end of the initial events")
    void watchListSendsInitialEventsAndEndBookmark() {
        long current = change();
        List<JsonObject> events = http.watch("sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=" + current);
        List<String> types = types(events);
        assertThat(types).last().isEqualTo("BOOKMARK");
        assertThat(types.subList(0, types.size() - 1)).isNotEmpty().containsOnly("ADDED");
        JsonObject end = events.get(events.size() - 1).getAsJsonObject("object").getAsJsonObject("metadata");
        assertThat(end.getAsJsonObject("annotations").get("k8s.io/initial-events-end").getAsString())
            .isEqualTo("true");
        assertThat(Long.parseLong(end.get("resourceVersion").getAsString())).isGreaterThanOrEqualTo(current);
    }

    @Test
    @DisplayName("a watch-list at a version the store does not reach within 3 s ends with a 504 Timeout ERROR event")
    void watchListAheadOfTheStoreTimesOut() {
        long current = change();
        long ahead = current + 1000;
        List<JsonObject> events = http.watch("sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&timeoutSeconds=10&resourceVersion=" + ahead);
        assertThat(types(events)).containsExactly("ERROR");
        JsonObject status = events.get(0).getAsJsonObject("object");
        assertThat(status.get("code").getAsInt()).isEqualTo(504);
        assertThat(status.get("reason").getAsString()).isEqualTo("Timeout");
        assertThat(status.get("message").getAsString()).startsWith("Timeout: Too large resource version: " + ahead
                + ", current: ");
        JsonObject details = status.getAsJsonObject("details");
        assertThat(details.get("retryAfterSeconds").getAsInt()).isEqualTo(1);
        JsonObject cause = details.getAsJsonArray("causes").get(0).getAsJsonObject();
        assertThat(cause.get("reason").getAsString()).isEqualTo("ResourceVersionTooLarge");
        assertThat(cause.get("message").getAsString()).isEqualTo("Too large resource version");
    }

    @Test
    @DisplayName("a list at a version the store does not reach within 3 s answers 504 Timeout")
    void listAheadOfTheStoreTimesOut() {
        long ahead = change() + 1000;
        Answer answer = http.get(LeaseApiHttp.LEASES + "?resourceVersion=" + ahead);
        assertThat(answer.status()).isEqualTo(504);
        assertThat(answer.reason()).isEqualTo("Timeout");
        assertThat(answer.message()).startsWith("Timeout: Too large resource version: " + ahead + ", current: ");
    }

    @Test
    @DisplayName("list options that do not go together answer 422 Invalid ListOptions")
    void inconsistentListOptionsAnswerUnprocessable() {
        Answer watch = http.get(LeaseApiHttp.LEASES + "?watch=true&sendInitialEvents=true&resourceVersion=5"
                + "&timeoutSeconds=5");
        assertThat(watch.status()).isEqualTo(422);
        assertThat(watch.message()).isEqualTo("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch:"
                + " Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        Answer list = http.get(LeaseApiHttp.LEASES + "?sendInitialEvents=true");
        assertThat(list.message()).isEqualTo("ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents: Forbidden:"
                + " sendInitialEvents is forbidden for list");
        Answer match = http.get(LeaseApiHttp.LEASES + "?resourceVersionMatch=NotOlderThan");
        assertThat(match.message()).isEqualTo("ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch:"
                + " Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
}
