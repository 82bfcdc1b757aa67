package dev.sherlock.file;

import java.nio.file.Path;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import org.jspecify.annotations.Nullable;

/**
 * A lock in a directory of lock files, shared by the processes of one machine (py-sherlock's {@code FileLock}).
 * Each handle is independent: two handles of one name contend as two processes do.
 *
 * <pre>{@code
 * try (FileLock lock = new FileLock("orders", Path.of("/var/lock/sherlock"))) {
 *     lock.acquire();
 *     ...
 * }
 * }</pre>
 *
 * @see FileBackend
 * @since 0.1.0
 */
public class FileLock extends BackendLock {

    /**
     * Creates a handle with the default settings and no namespace.
     * @param name the lock's name
     * @param directory the lock directory
     */
    public FileLock(String name, Path directory) {
        this(name, directory, null, LockSettings.defaults());
    }

    /**
     * Creates a handle.
     * @param name the lock's name
     * @param directory the lock directory
     * @param namespace prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     */
    public FileLock(String name, Path directory, @Nullable String namespace, LockSettings settings) {
        super(name, FileBackend.of(directory), namespace, settings);
    }
}
