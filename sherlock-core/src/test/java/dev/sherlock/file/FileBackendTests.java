package dev.sherlock.file;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileBackendTests {

    @TempDir
    Path directory;

    @Test
    void fencingCounterSurvivesReleaseAndANewBackendInstance() {
        FileBackend first = new FileBackend(directory);
        AcquireResult one = first.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        assertThat(first.release("orders", "owner-1")).isTrue();
        AcquireResult two = new FileBackend(directory).tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(one.fencingToken()).isEqualTo(1);
        assertThat(two.fencingToken()).isEqualTo(2);
    }

    @Test
    void leftoverTemporaryFileFromACrashIsHarmless() throws Exception {
        FileBackend backend = new FileBackend(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        // A crash between writing the temporary file and renaming it leaves this behind.
        Files.writeString(directory.resolve("orders.lock.tmp"), "# sherlock file lock v1\nowner=ghost\n");
        assertThat(backend.isLocked("orders")).isTrue();
        assertThat(backend.release("orders", "owner-1")).isTrue();
        AcquireResult next = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(next.acquired()).isTrue();
        assertThat(next.fencingToken()).isEqualTo(2);
    }

    @Test
    void corruptStateFileIsTreatedAsFreeWithTokensStillIncreasing() throws Exception {
        FileBackend backend = new FileBackend(directory);
        long before = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        Files.writeString(directory.resolve("orders.lock"), "garbage\u0000");
        assertThat(backend.isLocked("orders")).isFalse();
        AcquireResult next = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(next.acquired()).isTrue();
        assertThat(next.fencingToken()).isGreaterThan(before);
        assertThat(backend.release("orders", "owner-2")).isTrue();
    }

    @Test
    void neverExpiringLockHasNoDeadline() throws Exception {
        FileBackend backend = new FileBackend(directory);
        backend.tryAcquire("forever", "owner-1", null);
        assertThat(Files.readString(directory.resolve("forever.lock"))).contains("expires=never");
        assertThat(backend.renew("forever", "owner-1", null)).isTrue();
        assertThat(backend.renew("forever", "someone-else", null)).isFalse();
        assertThat(backend.release("forever", "someone-else")).isFalse();
        assertThat(backend.isLocked("forever")).isTrue();
    }

    @Test
    void heldResultTellsHowLongTheHolderStillHasIt() {
        FileBackend backend = new FileBackend(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        AcquireResult refused = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(refused.acquired()).isFalse();
        assertThat(refused.holderRemaining()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    @Test
    void waiterIsWokenByTheReleaseInsteadOfSleepingItsWholeWait() throws Exception {
        FileBackend backend = new FileBackend(directory);
        backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        AcquireResult refused = new FileBackend(directory).tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
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
        FileBackend backend = new FileBackend(directory);
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
    void directoryThatCannotBeCreatedFailsNamingBackendAndField() throws Exception {
        Path file = Files.writeString(directory.resolve("not-a-directory"), "x");
        assertThatThrownBy(() -> new FileBackend(file.resolve("locks")))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend file: 'directory' " + file.resolve("locks"))
                .hasMessageEndingWith("Choose a writable directory");
    }
}
