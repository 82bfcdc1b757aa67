package dev.sherlock.file;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.StoreException;
import org.jspecify.annotations.Nullable;

/**
 * The lock directory, checked so that nobody else can make the backend write elsewhere or swap the lock files.
 *
 * <p>On POSIX file systems a private directory (the default) must belong to the user running the process and must
 * not be writable by group or others; a missing one is created with mode {@code 0700} in one step. A shared
 * directory (opt-in) may belong to another user and be writable by group or others, but must then be sticky, so
 * users cannot remove or replace each other's files. Either way every parent must belong to root, to this user or
 * to the directory's owner, and must not be writable by others unless sticky; symbolic links on the configured
 * path are followed only when they belong to root or to this user. The directory is looked at again before every
 * operation (one {@code lstat}): one that was removed is created again (private only), one that now belongs to
 * someone else or became writable by others is refused, and change notifications are registered anew if some thread
 * waits on it (otherwise the next waiter registers them).
 */
final class LockDirectory {

    private static final String ATTRIBUTES = "unix:uid,mode,dev,ino";

    private final Path path;

    private final boolean shared;

    private final boolean posix;

    private final int owner;

    private final @Nullable DirectoryWatch watch;

    private final @Nullable FileAttribute<Set<PosixFilePermission>> filePermissions;

    private volatile @Nullable Object identity;

    /** Whether {@link #close()} ran: a second close must not end another backend's use of the watch. */
    private final AtomicBoolean closed = new AtomicBoolean();

    private LockDirectory(Path path, boolean shared, boolean posix, int owner) {
        this.path = path;
        this.shared = shared;
        this.posix = posix;
        this.owner = owner;
        this.watch = DirectoryWatch.of(path);
        this.filePermissions = posix ? PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(shared
                ? "rw-rw----" : "rw-------")) : null;
    }

    /**
     * Finds, creates if missing (private only) and checks the directory.
     * @throws LockConfigurationException if it cannot be created or written, or others could interfere with it
     */
    static LockDirectory open(Path configured, boolean shared) {
        Path absolute = configured.toAbsolutePath().normalize();
        boolean posix = absolute.getFileSystem().supportedFileAttributeViews().contains("unix");
        Path real;
        try {
            if (posix) {
                checkLinks(absolute);
            }
            if (!Files.exists(absolute)) {
                if (shared) {
                    throw new LockConfigurationException("Backend file: shared 'directory' " + absolute + " does not"
                            + " exist. Sherlock creates only private directories: create it with the group and mode"
                            + " its users need, e.g. install -d -m 3770 -g <group> " + absolute);
                }
                create(absolute, posix);
            }
            if (!Files.isDirectory(absolute)) {
                throw new FileAlreadyExistsException(absolute.toString());
            }
            real = absolute.toRealPath();
        }
        catch (IOException ex) {
            throw new LockConfigurationException("Backend file: 'directory' " + absolute + " cannot be created: "
                    + ex.getMessage() + ". Choose a writable directory");
        }
        int owner = -1;
        if (posix) {
            Map<String, Object> attributes = attributes(real);
            owner = (Integer) attributes.get("uid");
            DirectoryRules.checkDirectory(real, attributes, shared);
            DirectoryRules.checkParents(real, owner);
        }
        if (!Files.isWritable(real)) {
            throw new LockConfigurationException("Backend file: 'directory' " + real
                    + " is not writable. Choose a writable directory");
        }
        LockDirectory directory = new LockDirectory(real, shared, posix, owner);
        try {
            directory.check(false);
        }
        catch (RuntimeException ex) {
            directory.close();
            throw ex;
        }
        return directory;
    }

    Path path() {
        return path;
    }

    boolean shared() {
        return shared;
    }

    @Nullable DirectoryWatch watch() {
        return watch;
    }

    /** Stops using the directory's change notifications; the watch thread ends once no open backend uses any. */
    void close() {
        if (watch != null && closed.compareAndSet(false, true)) {
            watch.release();
        }
    }

    /** Permissions of new lock files: the owner's only, or the group's too in a shared directory. */
    @Nullable FileAttribute<Set<PosixFilePermission>> filePermissions() {
        return filePermissions;
    }

    /**
     * Looks at the directory before an operation: refuses it if someone else took it over, creates it again if it was
     * removed and {@code create} is set, and if it was replaced, drops the old directory's change notifications and
     * registers the new one's if some thread waits on it. It never registers otherwise: only waiting does, so that
     * operations nobody waits for cost no notifications.
     * @return whether the directory exists
     * @throws LockConfigurationException if the directory now belongs to someone else or is writable by others
     */
    boolean check(boolean create) {
        Object current;
        try {
            current = identity();
        }
        catch (NoSuchFileException ex) {
            if (!create) {
                return false;
            }
            if (shared) {
                throw new StoreException("shared 'directory' " + path + " was removed; Sherlock"
                        + " creates only private directories. Create it again with the group and mode its users need");
            }
            try {
                create(path, posix);
                current = identity();
            }
            catch (IOException again) {
                throw new StoreException("'directory' " + path + " was removed and cannot be"
                        + " created again: " + again + ". Choose a writable directory", again);
            }
        }
        catch (IOException ex) {
            throw new StoreException("'directory' " + path + " cannot be read: " + ex, ex);
        }
        if (!current.equals(identity)) {
            renew(current);
        }
        return true;
    }

    private synchronized void renew(Object current) {
        if (watch != null) {
            if (identity != null && !current.equals(identity)) {
                watch.replaced();
            }
            watch.register();
        }
        identity = current;
    }

    /** The directory's identity, after checking it is still ours (private) or still the shared one we accepted. */
    private Object identity() throws IOException {
        if (!posix) {
            if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(path.toString());
            }
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return key == null ? path : key;
        }
        Map<String, Object> attributes = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        if ((Integer) attributes.get("uid") != owner) {
            throw new LockConfigurationException(DirectoryRules.describe(path, attributes) + " now belongs to another"
                    + " user than when the backend was created: someone replaced the lock directory. Refusing to use it;"
                    + " remove it and restart, or choose a directory of your own");
        }
        DirectoryRules.checkDirectory(path, attributes, shared);
        return List.of(attributes.get("dev"), attributes.get("ino"));
    }

    private static Map<String, Object> attributes(Path directory) {
        try {
            return Files.readAttributes(directory, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        }
        catch (IOException ex) {
            throw new LockConfigurationException("Backend file: 'directory' " + directory + " cannot be read: " + ex,
                    ex);
        }
    }

    /** Creates a missing private directory with mode 0700 in one step (parents, if missing, with 0755). */
    private static void create(Path directory, boolean posix) throws IOException {
        Path parent = directory.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            if (posix) {
                Files.createDirectories(parent,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            }
            else {
                Files.createDirectories(parent);
            }
        }
        try {
            if (posix) {
                Files.createDirectory(directory,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            else {
                Files.createDirectory(directory);
            }
        }
        catch (FileAlreadyExistsException ex) {
            // Another process created it at the same moment: it is checked like any existing directory.
        }
    }

    /** Refuses symbolic links on the configured path that belong to another user than root or this one. */
    private static void checkLinks(Path absolute) throws IOException {
        int me = DirectoryRules.currentUid();
        Path current = absolute.getRoot();
        for (Path name : absolute) {
            current = current.resolve(name);
            if (!Files.isSymbolicLink(current)) {
                continue;
            }
            int linkOwner = (Integer) Files.getAttribute(current, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (linkOwner != 0 && linkOwner != me) {
                throw new LockConfigurationException("Backend file: 'directory' " + absolute + " is reached through"
                        + " the symbolic link " + current + " owned by " + DirectoryRules.ownerName(current, linkOwner)
                        + "; Sherlock follows links on the directory's path only when they belong to root or to "
                        + DirectoryRules.currentUser() + ". Configure the directory the link points to instead");
            }
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
