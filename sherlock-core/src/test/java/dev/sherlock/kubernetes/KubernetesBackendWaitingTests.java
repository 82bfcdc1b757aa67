package dev.sherlock.kubernetes;

import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Waiters are woken by a watch of the Lease, and poll where watching is not possible. */
class KubernetesBackendWaitingTests {

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String uniqueName() {
        return "waiting-" + UUID.randomUUID();
    }

    /** Acquires on another thread, as a waiter in another process would. */
    private Future<Boolean> waiter(KubernetesBackend backend, String name, LockSettings settings) {
        return executor.submit(() -> {
            BackendLock lock = new BackendLock(name, backend, null, settings);
            boolean acquired = lock.tryAcquire(settings.timeout());
            if (acquired) {
                lock.release();
            }
            return acquired;
        });
    }

    @Test
    @DisplayName("a waiter is woken by the watch long before its 30 s retry interval, and the watch then ends")
    void watchWakesWaiter() throws Exception {
        try (LeaseApiServer server = LeaseApiServer.start();
                KubernetesBackend holding = KubernetesBackend.of(server.client());
                KubernetesBackend waiting = KubernetesBackend.of(server.client())) {
            String name = uniqueName();
            BackendLock holder = new BackendLock(name, holding, null, LockSettings.defaults());
            holder.acquire();
            Future<Boolean> waiter = waiter(waiting, name, LockSettings.defaults()
                .withTimeout(Duration.ofSeconds(60)).withRetryInterval(Duration.ofSeconds(30)));
            await().atMost(Duration.ofSeconds(20)).until(() -> waiting.activeWatches() == 1);
            holder.release();
            assertThat(waiter.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(server.requests(Verb.WATCH)).isPositive();
            // Nobody waits any more: the watch ends after its session.
            await().atMost(Duration.ofSeconds(30)).until(() -> waiting.activeWatches() == 0);
        }
    }

    @Test
    @DisplayName("a wait longer than a watch session keeps the watch, which resumes from the server's last bookmark")
    void longWaitKeepsWatchAndResumesFromBookmark() throws Exception {
        try (LeaseApiServer server = LeaseApiServer.start();
                KubernetesBackend holding = KubernetesBackend.of(server.client());
                KubernetesBackend waiting = KubernetesBackend.of(server.client())) {
            String name = uniqueName();
            BackendLock holder = new BackendLock(name, holding, null, LockSettings.defaults());
            holder.acquire();
            // One wait outlasts the watch sessions (5 s): only the watch can wake it in time.
            Future<Boolean> waiter = waiter(waiting, name, LockSettings.defaults()
                .withTimeout(Duration.ofSeconds(120)).withRetryInterval(Duration.ofSeconds(60)));
            await().atMost(Duration.ofSeconds(20)).until(() -> waiting.activeWatches() == 1);
            // Another Lease changes: the session's bookmark, 2 s before its end, carries that newer version.
            String other = "sherlock.other-" + UUID.randomUUID();
            holding.tryAcquire(other, "other", Duration.ofSeconds(30));
            String latest = server.lease("default", other).getAsJsonObject("metadata").get("resourceVersion")
                .getAsString();
            await().atMost(Duration.ofSeconds(30)).until(() -> server.watchVersions().size() >= 2);
            assertThat(server.bookmarks()).isPositive();
            assertThat(server.watchVersions().get(1)).as("the second session starts at the bookmark's version")
                .isEqualTo(latest);
            assertThat(waiting.activeWatches()).isEqualTo(1);
            holder.release();
            assertThat(waiter.get(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    @DisplayName("without the watch permission waiters poll at their retry interval and still get the lock")
    void withoutWatchPermissionWaitersPoll() throws Exception {
        try (LeaseApiServer server = LeaseApiServer.start(EnumSet.of(Verb.GET, Verb.CREATE, Verb.UPDATE), 100);
                KubernetesBackend holding = KubernetesBackend.of(server.client());
                KubernetesBackend waiting = KubernetesBackend.of(server.client())) {
            String name = uniqueName();
            BackendLock holder = new BackendLock(name, holding, null, LockSettings.defaults());
            holder.acquire();
            Future<Boolean> waiter = waiter(waiting, name, LockSettings.defaults()
                .withTimeout(Duration.ofSeconds(60)).withRetryInterval(Duration.ofMillis(50)));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.requests(Verb.WATCH) > 0);
            long reads = server.requests(Verb.GET);
            await().atMost(Duration.ofSeconds(20)).until(() -> server.requests(Verb.GET) > reads + 3);
            holder.release();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
            assertThat(waiting.activeWatches()).isZero();
        }
    }

    @Test
    @DisplayName("when the watch history no longer reaches the waiter's version, waiters poll and still get the lock")
    void compactedWatchFallsBackToPolling() throws Exception {
        try (LeaseApiServer server = LeaseApiServer.start(EnumSet.allOf(Verb.class), 1);
                KubernetesBackend holding = KubernetesBackend.of(server.client());
                KubernetesBackend waiting = KubernetesBackend.of(server.client());
                KubernetesBackend noise = KubernetesBackend.of(server.client())) {
            String name = uniqueName();
            BackendLock holder = new BackendLock(name, holding, null, LockSettings.defaults());
            holder.acquire();
            // Other Leases keep changing, so the history of one event never reaches back to the waiter's version.
            Future<?> writes = executor.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    String other = "noise-" + UUID.randomUUID();
                    noise.tryAcquire(other, "noise", Duration.ofSeconds(30));
                    noise.release(other, "noise");
                }
                return null;
            });
            Future<Boolean> waiter = waiter(waiting, name, LockSettings.defaults()
                .withTimeout(Duration.ofSeconds(60)).withRetryInterval(Duration.ofMillis(200)));
            await().atMost(Duration.ofSeconds(20)).until(() -> server.requests(Verb.WATCH) > 0);
            holder.release();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
            writes.cancel(true);
        }
    }
}
