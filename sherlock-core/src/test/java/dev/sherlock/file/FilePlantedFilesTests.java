package dev.sherlock.file;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockConfigurationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Files someone with write access to the lock directory put where the backend works (before it was made private,
 * or in a shared directory): the backend never writes through them, never blocks on them and refuses the lock.
 */
class FilePlantedFilesTests {

    @TempDir
    Path temporary;

    private Path directory;

    private Path victim;

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @BeforeEach
    void prepare() throws Exception {
        directory = Files.createDirectory(temporary.resolve("locks"));
        FileTesting.chmod(directory, 0700);
        victim = Files.writeString(temporary.resolve("victim"), "precious");
    }

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void linksWhereLockFilesGoNeverRedirectAWriteAndTheLockIsRefused() throws Exception {
        // The names this backend and its earlier versions used for state, guard and temporary files.
        List<String> names = List.of("jobs.sherlock", "jobs.lock", "jobs.lock.tmp", "jobs.guard");
        for (String name : names) {
            Files.createSymbolicLink(directory.resolve(name), victim);
        }
        FileBackend backend = FileBackend.of(directory);
        assertThatThrownBy(() -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend file: " + directory.resolve("jobs.sherlock") + " is a symbolic link");
        assertThatThrownBy(() -> backend.isLocked("jobs")).isInstanceOf(LockConfigurationException.class);
        assertThat(Files.readString(victim)).isEqualTo("precious");
        Files.delete(directory.resolve("jobs.sherlock"));
        assertThat(backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        assertThat(backend.release("jobs", "owner-1")).isTrue();
        assertThat(Files.readString(victim)).isEqualTo("precious");
        for (String name : names.subList(1, names.size())) {
            assertThat(Files.isSymbolicLink(directory.resolve(name))).as(name).isTrue();
        }
    }

    @Test
    void danglingLinksNeverMakeTheBackendCreateTheirTarget() throws Exception {
        Path target = temporary.resolve("created-by-the-lock");
        for (String name : List.of("jobs.sherlock", "jobs.lock", "jobs.lock.tmp", "jobs.guard")) {
            Files.createSymbolicLink(directory.resolve(name), target);
        }
        FileBackend backend = FileBackend.of(directory);
        assertThatThrownBy(() -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class).hasMessageContaining("is a symbolic link");
        assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void fifoWhereTheLockFileGoesIsRefusedWithoutBlocking() throws Exception {
        FileTesting.mkfifo(directory.resolve("jobs.sherlock"));
        FileBackend backend = FileBackend.of(directory);
        Future<Throwable> attempt = executor.submit(() -> catchThrowable(
                () -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30))));
        assertThat(attempt.get(1, TimeUnit.MINUTES)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("jobs.sherlock is not a regular file");
        Future<Throwable> query = executor.submit(() -> catchThrowable(() -> backend.isLocked("jobs")));
        assertThat(query.get(1, TimeUnit.MINUTES)).isInstanceOf(LockConfigurationException.class);
    }

    @Test
    void directoryWhereTheLockFileGoesIsRefused() throws Exception {
        Files.createDirectory(directory.resolve("jobs.sherlock"));
        FileBackend backend = FileBackend.of(directory);
        assertThatThrownBy(() -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class).hasMessageContaining("is not a regular file");
    }

    @Test
    void hardLinkToAnotherFileIsNeverWrittenThrough() throws Exception {
        Path inside = Files.writeString(directory.resolve("victim-in-same-file-system"), "precious");
        Files.createLink(directory.resolve("jobs.sherlock"), inside);
        FileBackend backend = FileBackend.of(directory);
        assertThatThrownBy(() -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("jobs.sherlock has 2 hard links");
        assertThat(Files.readString(inside)).isEqualTo("precious");
    }

    @Test
    void fileWithForeignContentIsNeverOverwritten() throws Exception {
        Path foreign = Files.writeString(directory.resolve("jobs.sherlock"), "precious");
        FileBackend backend = FileBackend.of(directory);
        assertThatThrownBy(() -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("jobs.sherlock is not a Sherlock lock file (its 8 bytes are not a lock state)");
        assertThat(Files.readString(foreign)).isEqualTo("precious");
    }

    @Test
    void hugeFileIsRefusedWithoutReadingIt() throws Exception {
        Path huge = directory.resolve("jobs.sherlock");
        try (FileChannel channel = FileChannel.open(huge, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // Sparse: one byte at 16 GiB.
            channel.write(ByteBuffer.wrap(new byte[] { 1 }), 1L << 34);
        }
        FileBackend backend = FileBackend.of(directory);
        assertThatThrownBy(() -> backend.tryAcquire("jobs", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("is not a Sherlock lock file (" + ((1L << 34) + 1) + " bytes");
        assertThat(Files.size(huge)).isEqualTo((1L << 34) + 1);
    }
}
