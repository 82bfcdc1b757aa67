package dev.sherlock.file;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.BackendLock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileBackendTests {

    @TempDir
    Path directory;

    @Test
    void fencingCounterSurvivesReleaseAndANewBackendInstance() {
        FileBackend first = FileBackend.of(directory);
        AcquireResult one = first.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        assertThat(first.release("orders", "owner-1")).isTrue();
        AcquireResult two = FileBackend.of(directory).tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(two.fencingToken()).isGreaterThan(one.fencingToken());
    }

    @Test
    void repeatedAcquireOfTheSameOwnerIsAcquiredWithItsTokenAndExtendsTheHold() {
        FileBackend backend = FileBackend.of(directory);
        AcquireResult first = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(2));
        AcquireResult again = backend.tryAcquire("orders", "owner-1", Duration.ofMinutes(5));
        assertThat(again.acquired()).isTrue();
        assertThat(again.fencingToken()).isEqualTo(first.fencingToken());
        AcquireResult other = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(other.acquired()).isFalse();
        // Measured from the repeated attempt, as the caller's deadline is.
        assertThat(other.holderRemaining()).isGreaterThan(Duration.ofMinutes(1));
        assertThat(backend.release("orders", "owner-1")).isTrue();
    }

    @Test
    void neverExpiringLockHasNoDeadline() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("forever", "owner-1", null);
        assertThat(Files.readString(directory.resolve("forever.sherlock"))).contains("expires=never");
        assertThat(backend.renew("forever", "owner-1", null)).isTrue();
        assertThat(backend.renew("forever", "someone-else", null)).isFalse();
        assertThat(backend.release("forever", "someone-else")).isFalse();
        assertThat(backend.isLocked("forever")).isTrue();
    }

    @Test
    void heldResultTellsHowLongTheHolderStillHasIt() {
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        AcquireResult refused = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(refused.acquired()).isFalse();
        assertThat(refused.holderRemaining()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    @Test
    void waiterIsWokenByTheReleaseInsteadOfSleepingItsWholeWait() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        AcquireResult refused = FileBackend.of(directory).tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiter = executor.submit(() -> {
                backend.awaitRelease("orders", refused.observedVersion(), Duration.ofMinutes(5));
                return null;
            });
            assertThat(backend.release("orders", "owner-1")).isTrue();
            // Far below the five minutes the waiter would sleep without a notification.
            waiter.get(1, TimeUnit.MINUTES);
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void releaseBetweenAttemptAndWaitIsNotMissed() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        AcquireResult refused = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(backend.release("orders", "owner-1")).isTrue();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            executor.submit(() -> {
                backend.awaitRelease("orders", refused.observedVersion(), Duration.ofMinutes(5));
                return null;
            }).get(1, TimeUnit.MINUTES);
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void directoryReachedThroughASymbolicLinkIsOneDirectory() throws Exception {
        Path real = Files.createDirectories(directory.resolve("real"));
        Path link = Files.createSymbolicLink(directory.resolve("link"), real);
        FileBackend throughReal = FileBackend.of(real);
        FileBackend throughLink = FileBackend.of(link);
        assertThat(throughLink.directory()).isEqualTo(throughReal.directory());
        throughReal.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        AcquireResult refused = throughReal.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiter = executor.submit(() -> {
                throughReal.awaitRelease("orders", refused.observedVersion(), Duration.ofMinutes(5));
                return null;
            });
            assertThat(throughLink.release("orders", "owner-1")).isTrue();
            waiter.get(1, TimeUnit.MINUTES);
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void lockFileHeldByAFrozenProcessFailsTheCallInsteadOfBlockingForever() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("frozen", "owner-1", Duration.ofSeconds(30));
        // Another holder of the file's OS lock that never lets go, as a stopped process would.
        try (FileChannel channel = FileChannel.open(directory.resolve("frozen.sherlock"), StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            assertThatThrownBy(() -> backend.tryAcquire("frozen", "owner-2", Duration.ofSeconds(30)))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("frozen.sherlock has been locked by another process")
                    .hasMessageContaining("may be frozen");
        }
        assertThat(backend.release("frozen", "owner-1")).isTrue();
    }

    @Test
    void updatesOnAnInterruptedThreadComplete() {
        FileBackend backend = FileBackend.of(directory);
        Thread.currentThread().interrupt();
        try {
            assertThat(backend.tryAcquire("orders", "owner-1", null).acquired()).isTrue();
            assertThat(backend.isLocked("orders")).isTrue();
            assertThat(backend.release("orders", "owner-1")).isTrue();
        }
        finally {
            assertThat(Thread.interrupted()).isTrue();
        }
    }

    @Test
    void removedDirectoryIsCreatedAgainPrivate() throws Exception {
        Path locks = directory.resolve("locks");
        FileBackend backend = FileBackend.of(locks);
        Files.delete(locks);
        assertThat(backend.isLocked("orders")).isFalse();
        assertThat(backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(backend.isLocked("orders")).isTrue();
        assertThat(FileTesting.mode(locks)).isEqualTo("0700");
    }

    @Test
    void deadlineFurtherAwayThanItsLifetimeComesFromAnotherClockAndHasExpired() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        // As if written before a reboot where nanoTime was much larger, with no boot id to tell them apart.
        try (StateFile file = StateFile.open(directory.resolve("orders.sherlock"), null)) {
            StateFile.Snapshot snapshot = file.read();
            LockFile state = snapshot.state();
            file.write(snapshot, new LockFile(state.owner(), state.token(), state.boot(),
                    state.expires() + 3_600_000_000_000L, state.ttl(), false));
        }
        assertThat(backend.isLocked("orders")).isFalse();
        assertThat(backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).acquired()).isTrue();
    }

    @Test
    void directoryThatCannotBeCreatedFailsNamingBackendAndField() throws Exception {
        Path file = Files.writeString(directory.resolve("not-a-directory"), "x");
        assertThatThrownBy(() -> FileBackend.of(file.resolve("locks")))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend file: 'directory' " + file.resolve("locks"))
                .hasMessageEndingWith("Choose a writable directory");
    }

    @Test
    void closingABackendMoreThanOnceLeavesTheOthersOnItsDirectoryNotifiedOfReleases() throws Exception {
        FileBackend closed = FileBackend.of(directory);
        FileBackend holder = FileBackend.of(directory);
        FileBackend waiting = FileBackend.of(directory);
        closed.close();
        closed.close();
        closed.close();
        LockSettings slowPolling = LockSettings.defaults().withRetryInterval(Duration.ofSeconds(30))
                .withTimeout(Duration.ofSeconds(60));
        BackendLock held = new BackendLock("notified", holder, null, slowPolling);
        held.acquire();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Long> waiter = executor.submit(() -> {
                BackendLock lock = new BackendLock("notified", waiting, null, slowPolling);
                lock.acquire();
                long started = System.nanoTime();
                lock.release();
                return started;
            });
            Thread.sleep(300);
            long released = System.nanoTime();
            held.release();

            long acquired = waiter.get(20, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(acquired - released)).as("woken by the directory watch, not the 30 s poll")
                    .isLessThan(Duration.ofSeconds(5));
        }
        finally {
            executor.shutdownNow();
            holder.close();
            waiting.close();
        }
    }
}
