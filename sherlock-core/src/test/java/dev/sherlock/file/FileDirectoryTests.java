package dev.sherlock.file;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import dev.sherlock.LockConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Who may own and write the lock directory: a directory another user prepared or can write is refused, unless the
 * user opted in to a sticky shared directory.
 */
class FileDirectoryTests {

    private static final String USER = System.getProperty("user.name");

    @TempDir
    Path temporary;

    @Test
    void defaultDirectoryIsPerUserInTheTemporaryDirectoryAndCreatedPrivate() throws Exception {
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", temporary.toString());
        try {
            Path directory = FileBackend.defaultDirectory();
            assertThat(directory).isEqualTo(temporary.resolve("sherlock-" + USER));
            FileBackend backend = FileBackend.of(directory);
            assertThat(backend.directory()).isEqualTo(directory);
            assertThat(FileTesting.mode(directory)).isEqualTo("0700");
            backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30));
            assertThat(FileTesting.mode(directory.resolve("orders.sherlock"))).isEqualTo("0600");
        }
        finally {
            System.setProperty("java.io.tmpdir", before);
        }
    }

    @Test
    void directoryWritableByOthersIsRefusedNamingOwnerModeAndFix() throws Exception {
        Path directory = Files.createDirectory(temporary.resolve("open"));
        FileTesting.chmod(directory, 0777);
        assertThatThrownBy(() -> FileBackend.of(directory)).isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend file: 'directory' " + directory + " (owner " + USER + " (uid ")
                .hasMessageContaining("mode 0777) is writable by group or others")
                .hasMessageContaining("chmod go-w " + directory)
                .hasMessageContaining("sherlock.file.shared-directory=true");
        assertThat(directory).isEmptyDirectory();
    }

    @Test
    void directoryPreparedByAnotherUserIsRefusedEvenWithAPrivateMode() throws Exception {
        Path directory;
        String owner;
        if (FileTesting.root()) {
            directory = Files.createDirectory(temporary.resolve("theirs"));
            FileTesting.chmod(directory, 0700);
            FileTesting.giveToNobody(directory);
            owner = "nobody";
        }
        else {
            // Without root nobody can be given a directory: the file system root belongs to root.
            directory = Path.of("/");
            owner = "root";
        }
        assertThatThrownBy(() -> FileBackend.of(directory)).isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend file: 'directory' " + directory + " (owner " + owner + " (uid ")
                .hasMessageContaining(") does not belong to " + USER)
                .hasMessageContaining("Remove it so that Sherlock creates it with mode 0700");
    }

    @Test
    void defaultDirectoryPreparedByAnotherUserIsRefused() throws Exception {
        assumeTrue(FileTesting.root(), "only root can give a directory to another user");
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", temporary.toString());
        try {
            Path prepared = Files.createDirectory(FileBackend.defaultDirectory());
            FileTesting.chmod(prepared, 0777);
            FileTesting.giveToNobody(prepared);
            assertThatThrownBy(() -> FileBackend.of(FileBackend.defaultDirectory()))
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining("(owner nobody");
        }
        finally {
            System.setProperty("java.io.tmpdir", before);
        }
    }

    @Test
    void directoryReachedThroughAnotherUsersLinkIsRefused() throws Exception {
        assumeTrue(FileTesting.root(), "only root can give a link to another user");
        Path mine = Files.createDirectory(temporary.resolve("mine"));
        Path link = Files.createSymbolicLink(temporary.resolve("planted"), mine);
        FileTesting.giveToNobody(link);
        assertThatThrownBy(() -> FileBackend.of(link)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("is reached through the symbolic link " + link + " owned by nobody");
    }

    @Test
    void directoryInAParentOthersCanWriteIsRefused() throws Exception {
        Path parent = Files.createDirectory(temporary.resolve("parent"));
        FileTesting.chmod(parent, 0777);
        assertThatThrownBy(() -> FileBackend.of(parent.resolve("locks")))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("lies in " + parent + " (owner " + USER)
                .hasMessageContaining("could rename the lock directory and put another in its place");
    }

    @Test
    void directoryReplacedByAnotherUsersAtRuntimeIsRefusedAndNothingIsWrittenInIt() throws Exception {
        assumeTrue(FileTesting.root(), "only root can give a directory to another user");
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        assertThat(backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        FileTesting.deleteTree(directory);
        // Another user makes the path theirs, with a link where our lock file would be.
        Files.createDirectory(directory);
        Path victim = Files.writeString(temporary.resolve("victim"), "precious");
        Files.createSymbolicLink(directory.resolve("orders.sherlock"), victim);
        FileTesting.chmod(directory, 0777);
        FileTesting.giveToNobody(directory);
        assertThatThrownBy(() -> backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("(owner nobody");
        assertThatThrownBy(() -> backend.isLocked("orders")).isInstanceOf(LockConfigurationException.class);
        try (var entries = Files.list(directory)) {
            assertThat(entries).containsExactly(directory.resolve("orders.sherlock"));
        }
        assertThat(Files.readString(victim)).isEqualTo("precious");
    }

    @Test
    void directoryReplacedByALinkAtRuntimeIsRefusedAndNothingIsWrittenThroughIt() throws Exception {
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        assertThat(backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
        FileTesting.deleteTree(directory);
        Path elsewhere = Files.createDirectory(temporary.resolve("elsewhere"));
        Files.createSymbolicLink(directory, elsewhere);
        assertThatThrownBy(() -> backend.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("is not a directory: a symbolic link or another kind of file took its place");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void directoryMadeWritableByOthersAtRuntimeIsRefused() throws Exception {
        Path directory = temporary.resolve("locks");
        FileBackend backend = FileBackend.of(directory);
        FileTesting.chmod(directory, 0777);
        assertThatThrownBy(() -> backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("mode 0777) is writable by group or others");
        assertThat(directory).isEmptyDirectory();
    }

    @Test
    void sharedStickyDirectoryOfAnotherUserWorksWithGroupWritableLockFiles() throws Exception {
        Path directory = Files.createDirectory(temporary.resolve("shared"));
        FileTesting.chmod(directory, 01777);
        if (FileTesting.root()) {
            FileTesting.giveToNobody(directory);
        }
        FileBackend first = FileBackend.builder().directory(directory).sharedDirectory(true).build();
        FileBackend second = FileBackend.builder().directory(directory).sharedDirectory(true).build();
        long token = first.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).fencingToken();
        assertThat(second.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).acquired()).isFalse();
        assertThat(first.release("orders", "owner-1")).isTrue();
        assertThat(second.tryAcquire("orders", "owner-2", Duration.ofSeconds(30)).fencingToken()).isGreaterThan(token);
        assertThat(FileTesting.mode(directory.resolve("orders.sherlock"))).isEqualTo("0660");
        assertThat(first).hasToString("FileBackend (" + directory + ", shared)");
    }

    @Test
    void sharedDirectoryThatIsNotStickyIsRefused() throws Exception {
        Path directory = Files.createDirectory(temporary.resolve("shared"));
        FileTesting.chmod(directory, 0777);
        assertThatThrownBy(() -> FileBackend.builder().directory(directory).sharedDirectory(true).build()).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("(owner " + USER)
                .hasMessageContaining("mode 0777) is shared but not sticky")
                .hasMessageContaining("chmod +t " + directory);
    }

    @Test
    void sharedDirectoryIsNeverCreated() {
        Path directory = temporary.resolve("missing");
        assertThatThrownBy(() -> FileBackend.builder().directory(directory).sharedDirectory(true).build()).isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend file: shared 'directory' " + directory + " does not exist. Sherlock creates only"
                        + " private directories: create it with the group and mode its users need, e.g. install -d"
                        + " -m 3770 -g <group> " + directory);
        assertThat(Files.exists(directory, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void privateDirectoryWithoutWriteAccessForOthersIsAccepted() throws Exception {
        Path directory = Files.createDirectory(temporary.resolve("readable"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        FileBackend backend = FileBackend.of(directory);
        assertThat(backend.tryAcquire("orders", "owner-1", Duration.ofSeconds(30)).acquired()).isTrue();
    }
}
