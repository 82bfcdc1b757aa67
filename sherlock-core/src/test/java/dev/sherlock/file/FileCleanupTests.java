package dev.sherlock.file;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a temporary-directory cleaner does to the lock directory (deletes lock files, or the whole directory, which
 * someone then makes again) neither makes fencing tokens go down nor leaves waiters without notifications.
 */
class FileCleanupTests {

    @TempDir
    Path temporary;

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void tokensKeepIncreasingAfterTheStateFileIsDeleted() throws Exception {
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        long before = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        backend.release("orders", "owner-1");
        Files.delete(directory.resolve("orders.sherlock"));
        assertThat(backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).fencingToken())
                .isGreaterThan(before);
    }

    @Test
    void tokensKeepIncreasingAfterTheWholeDirectoryIsDeleted() throws Exception {
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        long before = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        backend.release("orders", "owner-1");
        FileTesting.deleteTree(directory);
        assertThat(backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).fencingToken())
                .isGreaterThan(before);
        assertThat(FileBackend.of(directory).tryAcquire("invoices", "owner-3", Duration.ofSeconds(30))
                .fencingToken()).isGreaterThan(before);
    }

    @Test
    void waiterIsStillWokenByAReleaseAfterTheDirectoryWasRemovedAndMadeAgainByTheBackend() throws Exception {
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        BackendLock holder = new BackendLock("orders", backend, null, LockSettings.defaults());
        holder.acquire();
        holder.release();
        FileTesting.deleteTree(directory);
        // The holder's next acquire makes the directory again.
        holder.acquire();
        // Without notifications this waiter would sleep until the holder's expiry (a minute), then time out.
        LockSettings patient = LockSettings.defaults().withRetryInterval(Duration.ofMinutes(5))
                .withTimeout(Duration.ofMinutes(2));
        BackendLock waiter = new BackendLock("orders", backend, null, patient);
        Thread[] waiting = new Thread[1];
        Future<Boolean> acquired = executor.submit(() -> {
            waiting[0] = Thread.currentThread();
            return waiter.tryLock(2, TimeUnit.MINUTES);
        });
        await().atMost(Duration.ofMinutes(1)).until(() -> waiting[0] != null
                && waiting[0].getState() == Thread.State.TIMED_WAITING);
        holder.release();
        // The bound only ends a failing test early: the pass condition is that the waiter acquired.
        assertThat(acquired.get(30, TimeUnit.SECONDS)).isTrue();
        executor.submit(waiter::unlock).get(1, TimeUnit.MINUTES);
    }

    @Test
    void waitForAReleaseIsWokenAfterAnotherProcessRemovedAndMadeTheDirectoryAgain() throws Exception {
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("warmup", "owner-0", Duration.ofSeconds(30));
        FileTesting.deleteTree(directory);
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        FileBackend otherProcess = FileBackend.of(directory);
        otherProcess.tryAcquire("orders", "owner-1", Duration.ofMinutes(5));
        AcquireResult refused = backend.tryAcquire("orders", "owner-2", Duration.ofMinutes(5));
        assertThat(refused.acquired()).isFalse();
        Future<?> waiter = executor.submit(() -> {
            backend.awaitRelease("orders", refused.observedVersion(), Duration.ofMinutes(5));
            return null;
        });
        assertThat(otherProcess.release("orders", "owner-1")).isTrue();
        // Far below the five minutes the waiter sleeps without notifications.
        waiter.get(1, TimeUnit.MINUTES);
        assertThat(backend.tryAcquire("orders", "owner-2", Duration.ofMinutes(5)).acquired()).isTrue();
    }
}
