package dev.sherlock.file;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the backend puts on disk: one {@code <key>.sherlock} file per lock, names py-sherlock never uses, and two
 * checksummed slots so a torn write leaves the previous state.
 */
class FileLayoutTests {

    @TempDir
    Path directory;

    @Test
    void fileNamesNeverEndInWhatPySherlocksFileLockUses() throws Exception {
        List<String> names = List.of("orders", "x.lock", "x.json", "a_b", "Orders", "billing.orders", "\u65e5\u672c");
        List<Path> pySherlockFiles = new ArrayList<>();
        FileBackend backend = FileBackend.of(directory);
        for (String namespace : Arrays.asList(null, "billing")) {
            for (String name : names) {
                BackendLock lock = new BackendLock(name, backend, namespace, LockSettings.defaults());
                lock.acquire();
                lock.release();
                // py-sherlock 0.4.1: (directory / "<namespace>_<name>").with_suffix(".lock" and ".json")
                String pyKey = namespace == null ? name : namespace + "_" + name;
                pySherlockFiles.add(directory.resolve(withSuffix(pyKey, ".lock")));
                pySherlockFiles.add(directory.resolve(withSuffix(pyKey, ".json")));
            }
        }
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .hasSize(names.size() * 2)
                    .allMatch(file -> file.endsWith(".sherlock"))
                    .noneMatch(file -> file.endsWith(".lock") || file.endsWith(".json"));
        }
        assertThat(pySherlockFiles).allMatch(file -> !Files.exists(file));
    }

    @Test
    void pySherlocksFilesOfTheSameNameAreLeftAlone() throws Exception {
        // As py-sherlock's FileLock("orders") leaves them: filelock's lock file and its JSON data file.
        Path pyLock = Files.writeString(directory.resolve("orders.lock"), "");
        Path pyData = Files.writeString(directory.resolve("orders.json"), "{\"owner\": \"py\"}");
        FileBackend backend = FileBackend.of(directory);
        AcquireResult result = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
        assertThat(result.acquired()).isTrue();
        assertThat(backend.release("orders", "owner-1")).isTrue();
        assertThat(Files.readString(pyLock)).isEmpty();
        assertThat(Files.readString(pyData)).isEqualTo("{\"owner\": \"py\"}");
    }

    @Test
    void stateIsReadableTextWithItsHolderTokenAndChecksum() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        long token = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        String text = Files.readString(directory.resolve("orders.sherlock"), StandardCharsets.US_ASCII);
        assertThat(text).startsWith("# sherlock file lock 2\nsequence=1\nowner=owner-1\ntoken=" + token + "\n")
                .containsPattern("\ncrc32=[0-9a-f]{8}\n");
        assertThat(Files.size(directory.resolve("orders.sherlock"))).isEqualTo(LockFile.SLOT_SIZE);
    }

    @Test
    void tornWriteOfTheNewerSlotLeavesThePreviousState() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        long token = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        assertThat(backend.release("orders", "owner-1")).isTrue();
        // A crash in the middle of writing the release (second slot): the acquisition in the first slot counts.
        overwrite(directory.resolve("orders.sherlock"), LockFile.SLOT_SIZE + 40, "XXXX");
        assertThat(backend.isLocked("orders")).isTrue();
        assertThat(backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).acquired()).isFalse();
        assertThat(backend.release("orders", "owner-1")).isTrue();
        assertThat(backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).fencingToken())
                .isGreaterThan(token);
    }

    @Test
    void damagedStateIsFreeWithTokensStillIncreasing() throws Exception {
        FileBackend backend = FileBackend.of(directory);
        long before = backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        backend.renew("orders", "owner-1", Duration.ofSeconds(30));
        Path file = directory.resolve("orders.sherlock");
        overwrite(file, 40, "XXXX");
        overwrite(file, LockFile.SLOT_SIZE + 40, "XXXX");
        assertThat(backend.isLocked("orders")).isFalse();
        AcquireResult next = backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30));
        assertThat(next.acquired()).isTrue();
        assertThat(next.fencingToken()).isGreaterThan(before);
        assertThat(backend.release("orders", "owner-2")).isTrue();
    }

    @Test
    void zeroFilledFileFromAMachineCrashIsAFreeLock() throws Exception {
        Files.write(directory.resolve("orders.sherlock"), new byte[LockFile.SLOT_SIZE]);
        FileBackend backend = FileBackend.of(directory);
        assertThat(backend.isLocked("orders")).isFalse();
        assertThat(backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
    }

    private static void overwrite(Path file, long position, String text) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), position);
        }
    }

    /** Python's {@code PurePath.with_suffix}: replaces the last suffix of the final component, if any. */
    private static String withSuffix(String name, String suffix) {
        int dot = name.lastIndexOf('.');
        return (dot > 0 && dot < name.length() - 1 ? name.substring(0, dot) : name) + suffix;
    }
}
