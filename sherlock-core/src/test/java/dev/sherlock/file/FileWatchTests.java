package dev.sherlock.file;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.WaitOutcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lock directory is registered for change notifications only while a thread of this JVM waits on it (and for a
 * linger after the last wait), and a waiter is still woken by every release, from this backend or another process.
 */
class FileWatchTests {

    /** Far longer than any test: a waiter that returns before it was woken by a notification, not by its timeout. */
    private static final Duration PATIENT = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    private Thread waiter;

    private FileBackend waiting;

    /** Another process on the same directory, as far as the waiting backend can tell: its own backend instance. */
    private FileBackend otherProcess;

    @BeforeEach
    void open() throws Exception {
        waiter = executor.submit(Thread::currentThread).get(20, TimeUnit.SECONDS);
        waiting = FileBackend.of(directory);
        otherProcess = FileBackend.of(directory);
    }

    @AfterEach
    void close() {
        executor.shutdownNow();
        waiting.close();
        otherProcess.close();
    }

    @Test
    void directoryNobodyWaitsOnIsNotWatched() {
        assertThat(waiting.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(waiting.isLocked("orders")).isTrue();
        assertThat(waiting.release("orders", "owner-1")).isTrue();
        assertThat(otherProcess.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(otherProcess.release("orders", "owner-2")).isTrue();

        assertThat(watch().registered()).isFalse();
    }

    @Test
    void waiterIsWatchedWhileItWaitsAndWokenByAnotherProcessesRelease() throws Exception {
        otherProcess.tryAcquire("orders", "owner-1", Duration.ofMinutes(5));
        AcquireResult refused = waiting.tryAcquire("orders", "owner-2", Duration.ofMinutes(5));
        assertThat(refused.acquired()).isFalse();
        Future<WaitOutcome> outcome = waitInTheBackground(refused);

        assertThat(watch().registered()).isTrue();
        assertThat(otherProcess.release("orders", "owner-1")).isTrue();
        // Returning before the 30 s wait ends means the release woke it.
        assertThat(outcome.get(20, TimeUnit.SECONDS).mayBeFree()).isTrue();
        assertThat(waiting.tryAcquire("orders", "owner-2", Duration.ofMinutes(5)).acquired()).isTrue();
    }

    @Test
    void releaseBeforeTheDirectoryIsWatchedIsNotMissedByTheWaiterThatStartsWatchingIt() throws Exception {
        otherProcess.tryAcquire("orders", "owner-1", Duration.ofMinutes(5));
        AcquireResult refused = waiting.tryAcquire("orders", "owner-2", Duration.ofMinutes(5));
        // Released after the failed attempt and before the wait, while nothing notifies changes of the directory.
        assertThat(watch().registered()).isFalse();
        assertThat(otherProcess.release("orders", "owner-1")).isTrue();

        long started = System.nanoTime();
        WaitOutcome outcome = waiting.awaitRelease("orders", refused.observedVersion(), PATIENT);

        assertThat(outcome.mayBeFree()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("returned before its wait ended")
                .isLessThan(PATIENT);
        assertThat(waiting.tryAcquire("orders", "owner-2", Duration.ofMinutes(5)).acquired()).isTrue();
    }

    @Test
    void watchOutlivesTheLastWaitForTheLingerSoAContendedLockKeepsIt() throws Exception {
        watch().lingerFor(Duration.ofHours(1));
        handOff("orders");

        assertThat(watch().registered()).isTrue();
    }

    @Test
    void watchIsDroppedOnceNobodyWaitedForTheLinger() throws Exception {
        watch().lingerFor(Duration.ofMillis(50));
        handOff("orders");

        // The bound only ends a failing test: the pass condition is that the registration goes.
        await().atMost(Duration.ofSeconds(20)).until(() -> !watch().registered());
    }

    @Test
    void waiterAfterTheWatchWasDroppedWatchesTheDirectoryAgainAndIsWoken() throws Exception {
        watch().lingerFor(Duration.ofMillis(50));
        handOff("orders");
        await().atMost(Duration.ofSeconds(20)).until(() -> !watch().registered());

        handOff("invoices");
    }

    @Test
    void noReleaseIsMissedWhileTheWatchIsDroppedAndRegisteredAgainBetweenWaits() throws Exception {
        // The watch thread looks for idle registrations every millisecond: waiters come and go across drops.
        watch().lingerFor(Duration.ofMillis(1));
        for (int round = 0; round < 200; round++) {
            otherProcess.tryAcquire("orders", "owner-1", Duration.ofMinutes(5));
            AcquireResult refused = waiting.tryAcquire("orders", "owner-2", Duration.ofMinutes(5));
            assertThat(refused.acquired()).isFalse();
            Future<WaitOutcome> outcome = executor.submit(() -> waiting.awaitRelease("orders",
                    refused.observedVersion(), PATIENT));
            // Not waiting until it blocks: the release lands before, during or after the waiter registers.
            assertThat(otherProcess.release("orders", "owner-1")).isTrue();
            assertThat(outcome.get(20, TimeUnit.SECONDS).mayBeFree()).as("round %d", round).isTrue();
        }
    }

    @Test
    void waitersOfSeveralBackendsOnOneDirectoryShareTheWatchAndAllAreWoken() throws Exception {
        FileBackend third = FileBackend.of(directory);
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            assertThat(third.watch()).isSameAs(watch());
            otherProcess.tryAcquire("orders", "owner-1", Duration.ofMinutes(5));
            AcquireResult refused = waiting.tryAcquire("orders", "owner-2", Duration.ofMinutes(5));
            AcquireResult alsoRefused = third.tryAcquire("orders", "owner-3", Duration.ofMinutes(5));
            Future<WaitOutcome> one = waitInTheBackground(refused);
            Future<WaitOutcome> two = second.submit(() -> third.awaitRelease("orders", alsoRefused.observedVersion(),
                    PATIENT));

            assertThat(otherProcess.release("orders", "owner-1")).isTrue();
            assertThat(one.get(20, TimeUnit.SECONDS).mayBeFree()).isTrue();
            assertThat(two.get(20, TimeUnit.SECONDS).mayBeFree()).isTrue();
        }
        finally {
            second.shutdownNow();
            third.close();
        }
    }

    /** The other process holds {@code key}, the waiting backend waits for it, and is woken by its release. */
    private void handOff(String key) throws Exception {
        otherProcess.tryAcquire(key, "owner-1", Duration.ofMinutes(5));
        AcquireResult refused = waiting.tryAcquire(key, "owner-2", Duration.ofMinutes(5));
        assertThat(refused.acquired()).isFalse();
        Future<WaitOutcome> outcome = executor.submit(() -> waiting.awaitRelease(key, refused.observedVersion(),
                PATIENT));
        awaitBlocked();
        assertThat(watch().registered()).isTrue();
        assertThat(otherProcess.release(key, "owner-1")).isTrue();
        assertThat(outcome.get(20, TimeUnit.SECONDS).mayBeFree()).isTrue();
    }

    private Future<WaitOutcome> waitInTheBackground(AcquireResult refused) throws Exception {
        Future<WaitOutcome> outcome = executor.submit(() -> waiting.awaitRelease("orders",
                refused.observedVersion(), PATIENT));
        awaitBlocked();
        return outcome;
    }

    /** Until the waiter blocks in awaitRelease: nothing else makes the executor's thread wait with a timeout. */
    private void awaitBlocked() {
        await().atMost(Duration.ofSeconds(20)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
    }

    private DirectoryWatch watch() {
        DirectoryWatch watch = waiting.watch();
        assertThat(watch).as("the default file system notifies changes").isNotNull();
        return watch;
    }
}
