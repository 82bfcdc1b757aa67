package dev.sherlock.file;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import dev.sherlock.LockConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * One lock's state file, {@code <key>.sherlock}: two {@link LockFile#SLOT_SIZE}-byte slots written in turn in place,
 * so a write torn by a crash (or failed for lack of space) leaves the other slot, the previous state, intact.
 *
 * <p>The file is opened so that nobody who can write the directory makes us write elsewhere: never through a
 * symbolic link ({@code O_NOFOLLOW}), never a file with other hard links, never a directory, FIFO or device (a
 * FIFO fails the positional read instead of blocking it), and never into content that is not a lock state: a file
 * larger than two slots, or whose content is neither empty nor a slot, is refused, and at most two slots are read.
 * Updates rewrite the file in place, not by renaming a temporary file over it, because a sticky shared directory
 * does not let one user replace another user's file.
 */
final class StateFile implements Closeable {

    static final String SUFFIX = ".sherlock";

    static final int MAX_SIZE = 2 * LockFile.SLOT_SIZE;

    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
            StandardOpenOption.CREATE_NEW, LinkOption.NOFOLLOW_LINKS);

    private static final Set<OpenOption> EXISTING = Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);

    private static final byte[] HEADER = LockFile.HEADER.getBytes(StandardCharsets.US_ASCII);

    private static final Duration LOCK_WAIT = Duration.ofSeconds(5);

    /** How often in a row a file replaced (or made and removed) while it was being opened is looked at again. */
    private static final int OPEN_TRIES = 3;

    private static final int TYPE = 0170000;

    private static final int REGULAR = 0100000;

    private static final int SYMBOLIC_LINK = 0120000;

    private final Path file;

    private final FileChannel channel;

    /** The file's device and inode when it was opened, or {@code null} where the file system does not say. */
    private final @Nullable Object identity;

    /** Room for the whole file and one byte more, which shows a file too large to be a lock state. */
    private final byte[] bytes = new byte[MAX_SIZE + 1];

    private StateFile(Path file, FileChannel channel, @Nullable Object identity) {
        this.file = file;
        this.channel = channel;
        this.identity = identity;
    }

    /**
     * Opens the state file, creating it if missing.
     * @param permissions of a new file, or {@code null} where the file system has no POSIX permissions
     * @throws LockConfigurationException if something else than a lock state file has its name
     */
    static StateFile open(Path file, @Nullable FileAttribute<Set<PosixFilePermission>> permissions)
            throws IOException {
        for (int tries = 0; tries < OPEN_TRIES; tries++) {
            StateFile existing = openExisting(file);
            if (existing != null) {
                return existing;
            }
            FileChannel channel;
            try {
                channel = permissions == null ? FileChannel.open(file, CREATE)
                        : FileChannel.open(file, CREATE, permissions);
            }
            catch (FileAlreadyExistsException ex) {
                // Created in between by another process (or planted): look at it again.
                continue;
            }
            try {
                if (permissions != null && permissions.value().contains(PosixFilePermission.GROUP_WRITE)) {
                    // The umask may have taken away the group's access that a shared directory needs; the file is ours.
                    Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setPermissions(permissions.value());
                }
                // Not kept open for later operations: the name may already lead to another file (the directory was
                // removed and made again), and only a look before and after opening an existing file tells.
                return new StateFile(file, channel, null);
            }
            catch (Throwable ex) {
                // Closed here, never by the GC, whose close at some later moment would drop an OS lock of the file.
                channel.close();
                throw ex;
            }
        }
        throw new IOException("lock file " + file + " was made and removed again by someone else while it was being"
                + " opened, " + OPEN_TRIES + " times in a row");
    }

    /**
     * Opens the state file if it exists.
     * @return the file, or {@code null} if it does not exist
     * @throws LockConfigurationException if something else than a lock state file has its name
     */
    static @Nullable StateFile openExisting(Path file) throws IOException {
        try {
            for (int tries = 0; tries < OPEN_TRIES; tries++) {
                Object before = identityOf(file);
                FileChannel channel = FileChannel.open(file, EXISTING);
                try {
                    Object after = identityOf(file);
                    if (Objects.equals(before, after)) {
                        return new StateFile(file, channel, after);
                    }
                }
                catch (Throwable ex) {
                    channel.close();
                    throw ex;
                }
                // Replaced while it was opened: the channel may be another file than the one looked at.
                channel.close();
            }
            throw new IOException("lock file " + file + " was replaced while it was being opened, " + OPEN_TRIES
                    + " times in a row");
        }
        catch (NoSuchFileException ex) {
            return null;
        }
        catch (IOException ex) {
            if (Files.isSymbolicLink(file)) {
                // Replaced by a link between the look and the open (O_NOFOLLOW refused it).
                throw refused(file, "is a symbolic link; Sherlock never follows links in the lock directory");
            }
            throw ex;
        }
    }

    /**
     * Whether this open file is still the lock state file at its path, so it can serve another operation: its
     * channel is open and the path names the same device and inode, with the same owner, group and mode, as a
     * regular file with no other hard link. The open channel keeps its inode from being reused, so another file at
     * the path always has another identity.
     * @return {@code false} if the file was removed or replaced, or the file system cannot tell
     * @throws LockConfigurationException if something else than a lock state file now has its name
     */
    boolean stillAt(Path path) throws IOException {
        if (identity == null || !channel.isOpen() || !file.equals(path)) {
            return false;
        }
        try {
            return identity.equals(identityOf(file));
        }
        catch (NoSuchFileException ex) {
            return false;
        }
    }

    /** Whether {@link #stillAt} can tell that this file is still the one at its path. */
    boolean reusable() {
        return identity != null && channel.isOpen();
    }

    /** The state file's path. */
    Path path() {
        return file;
    }

    /**
     * Looks at what has the state file's name without following a link, refusing what is not a lock state file.
     * @return its device, inode, mode, owner and group, or {@code null} where the file system does not say
     * @throws NoSuchFileException if nothing has the name
     */
    private static @Nullable Object identityOf(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            Map<String, Object> attributes = Files.readAttributes(file, "unix:mode,nlink,dev,ino,uid,gid",
                    LinkOption.NOFOLLOW_LINKS);
            int type = (Integer) attributes.get("mode") & TYPE;
            if (type == SYMBOLIC_LINK) {
                throw refused(file, "is a symbolic link; Sherlock never follows links in the lock directory");
            }
            if (type != REGULAR) {
                throw refused(file, "is not a regular file (a directory, FIFO or device)");
            }
            int links = (Integer) attributes.get("nlink");
            if (links > 1) {
                throw refused(file, "has " + links + " hard links; writing it would change the other files too");
            }
            // Owner, group and mode too: after a change of them the file is opened again, so the OS checks access.
            return List.of(attributes.get("dev"), attributes.get("ino"), attributes.get("mode"), attributes.get("uid"),
                    attributes.get("gid"));
        }
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (attributes.isSymbolicLink()) {
            throw refused(file, "is a symbolic link; Sherlock never follows links in the lock directory");
        }
        if (!attributes.isRegularFile()) {
            throw refused(file, "is not a regular file (a directory, FIFO or device)");
        }
        return null;
    }

    /**
     * Takes the state file's OS lock. Holders keep it for microseconds, so waiting longer than {@link #LOCK_WAIT}
     * means the process holding it is frozen (stopped, paused): fail instead of blocking without limit.
     */
    FileLock lock() throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        long pause = 50_000;
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            }
            catch (OverlappingFileLockException ex) {
                // Another backend instance of this JVM (another class loader) holds it: wait as for a process.
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("lock file " + file + " has been locked by another process for "
                        + LOCK_WAIT.toSeconds() + " s; that process may be frozen");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /**
     * Reads the current state.
     * @throws LockConfigurationException if the content is not a lock state
     */
    Snapshot read() throws IOException {
        // One positional read of a whole lock state on local file systems; some (FUSE, network) may return less, so
        // read on until the end or a whole state. The buffer is one byte larger than a lock state, so a larger
        // file fills it.
        int length = 0;
        while (length < MAX_SIZE) {
            int read = channel.read(ByteBuffer.wrap(bytes, length, bytes.length - length), length);
            if (read <= 0) {
                break;
            }
            length += read;
        }
        if (length > MAX_SIZE) {
            throw refused(file, "is not a Sherlock lock file (" + channel.size() + " bytes, more than a lock state)");
        }
        if (isBlank(bytes, length)) {
            // New, or zero-filled by a machine crash before its first write reached the disk.
            return new Snapshot(LockFile.EMPTY, 0, 0, false);
        }
        LockFile.Slot first = LockFile.decode(bytes, 0, Math.min(length, LockFile.SLOT_SIZE));
        LockFile.Slot second = length > LockFile.SLOT_SIZE
                ? LockFile.decode(bytes, LockFile.SLOT_SIZE, length - LockFile.SLOT_SIZE) : null;
        if (first != null && (second == null || first.sequence() >= second.sequence())) {
            return new Snapshot(first.state(), first.sequence(), 1, false);
        }
        if (second != null) {
            return new Snapshot(second.state(), second.sequence(), 0, false);
        }
        if (startsWithHeader(bytes, 0, length) || startsWithHeader(bytes, LockFile.SLOT_SIZE, length)) {
            return new Snapshot(LockFile.EMPTY, 0, 0, true);
        }
        throw refused(file, "is not a Sherlock lock file (its " + length + " bytes are not a lock state)");
    }

    /** Writes {@code next} into the slot that does not hold the current state. */
    void write(Snapshot current, LockFile next) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(next.encode(current.sequence() + 1));
        long position = (long) current.nextSlot() * LockFile.SLOT_SIZE;
        while (buffer.hasRemaining()) {
            channel.write(buffer, position + buffer.position());
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithHeader(byte[] bytes, int offset, int length) {
        if (length - offset < HEADER.length) {
            return false;
        }
        for (int i = 0; i < HEADER.length; i++) {
            if (bytes[offset + i] != HEADER[i]) {
                return false;
            }
        }
        return true;
    }

    private static LockConfigurationException refused(Path file, String what) {
        return new LockConfigurationException("Backend file: " + file + " " + what + ". Refusing to use it, so the"
                + " lock cannot be taken; remove it if nothing else needs it (someone with write access to the"
                + " directory put it there)");
    }

    /**
     * The state read from a file.
     * @param state the current state; free if the file is new or damaged
     * @param sequence the current slot's sequence number, 0 if none
     * @param nextSlot where the next state goes: the slot not holding the current one
     * @param damaged whether the file is ours but neither slot is intact (outside interference)
     */
    record Snapshot(LockFile state, long sequence, int nextSlot, boolean damaged) {
    }
}
