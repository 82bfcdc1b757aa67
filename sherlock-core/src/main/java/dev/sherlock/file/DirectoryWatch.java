package dev.sherlock.file;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.sherlock.spi.DaemonThreads;
import dev.sherlock.spi.ReleaseSignals;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change notifications for a lock directory (inotify on Linux), so a waiter wakes as soon as a state file is
 * written instead of at its next poll. All directories of the default file system share one watch service (one
 * inotify instance) and one daemon thread per JVM, while an open backend uses one: the last
 * {@link #release()} closes the service and ends the thread.
 *
 * <p>A directory that is removed loses its registration; {@link #register()} registers the directory again once it
 * exists again (the backend calls it whenever it finds the directory recreated or the registration gone), so
 * notifications survive temporary-directory cleaners. Sequence numbers go on across registrations.
 *
 * <p>Each change gets a sequence number and is signalled to the waiters of its file through {@link ReleaseSignals},
 * which also remembers recent changes, so a waiter that read the sequence before its failed attempt also sees a change
 * that happened before it started to wait.
 */
final class DirectoryWatch {

    private static final Logger logger = LoggerFactory.getLogger(DirectoryWatch.class);

    private static final String ANY = "";

    private static final ConcurrentMap<Path, DirectoryWatch> watches = new ConcurrentHashMap<>();

    private static final ConcurrentMap<WatchKey, DirectoryWatch> byKey = new ConcurrentHashMap<>();

    private static @Nullable WatchService service;

    private final Path directory;

    private final ReleaseSignals signals = new ReleaseSignals();

    private final AtomicLong sequence = new AtomicLong();

    private @Nullable WatchKey key;

    /** Open backends using this watch; guarded by the class. */
    private int users;

    private DirectoryWatch(Path directory) {
        this.directory = directory;
    }

    /**
     * The directory's watch, counted as used until {@link #release()}, or {@code null} where the file system cannot
     * notify (the caller then polls).
     */
    static @Nullable DirectoryWatch of(Path directory) {
        if (directory.getFileSystem() != FileSystems.getDefault()) {
            return null;
        }
        synchronized (DirectoryWatch.class) {
            DirectoryWatch watch = watches.computeIfAbsent(directory, DirectoryWatch::new);
            watch.users++;
            return watch;
        }
    }

    /**
     * Ends one use from {@link #of}. The last use drops the registration, and once no directory is registered the
     * watch service is closed and its thread ends. Waiters are woken; they poll from then on.
     */
    void release() {
        synchronized (DirectoryWatch.class) {
            if (--users > 0) {
                return;
            }
            watches.remove(directory, this);
            replaced();
            if (byKey.isEmpty() && service != null) {
                try {
                    service.close();
                }
                catch (IOException ex) {
                    logger.debug("Backend file: closing the watch service failed", ex);
                }
                service = null;
            }
        }
        changed(ANY);
    }

    /** Whether changes are being notified now; if not, waiters poll until {@link #register()} succeeds. */
    synchronized boolean registered() {
        return key != null && key.isValid();
    }

    /**
     * Registers the directory if it is not registered (first use, or it was removed and made again), and wakes
     * every waiter, since changes made while it was not registered were not seen.
     * @return whether the directory is registered
     */
    boolean register() {
        // The class first, as release() takes it: the service is made and closed under it.
        synchronized (DirectoryWatch.class) {
            synchronized (this) {
                return users > 0 && registerNow();
            }
        }
    }

    private boolean registerNow() {
        if (registered()) {
            return true;
        }
        try {
            WatchKey registered = directory.register(service(directory.getFileSystem()),
                    StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            byKey.put(registered, this);
            key = registered;
            changed(ANY);
            return true;
        }
        catch (IOException | UnsupportedOperationException ex) {
            logger.debug("Backend file: {} cannot notify changes, waiters poll instead", directory, ex);
            return false;
        }
    }

    /**
     * Drops the registration of a directory that was replaced by another one at the same path, so {@link #register()}
     * registers the new one.
     */
    synchronized void replaced() {
        if (key != null) {
            key.cancel();
            byKey.remove(key);
            key = null;
        }
    }

    private static synchronized WatchService service(FileSystem fileSystem) throws IOException {
        if (service == null) {
            WatchService created = fileSystem.newWatchService();
            new DaemonThreads("sherlock-file-watch").start(() -> run(created));
            service = created;
        }
        return service;
    }

    long sequence() {
        return sequence.get();
    }

    /**
     * Waits until {@code fileName} changes after {@code observed}, or {@code maxWaitNanos} pass.
     * @return whether it changed
     */
    boolean await(String fileName, long observed, long maxWaitNanos) throws InterruptedException {
        return signals.await(fileName, observed, Duration.ofNanos(maxWaitNanos));
    }

    private void changed(String fileName) {
        long version = sequence.incrementAndGet();
        if (fileName.equals(ANY)) {
            signals.releasedAll(version);
        }
        else {
            signals.released(fileName, version);
        }
    }

    private synchronized void lost(WatchKey lost) {
        byKey.remove(lost);
        if (lost == key) {
            key = null;
        }
        // Wake the waiters: they check the directory, and the next check registers it again.
        changed(ANY);
    }

    private static void run(WatchService service) {
        try {
            while (true) {
                WatchKey key = service.take();
                DirectoryWatch watch = byKey.get(key);
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (watch != null) {
                        watch.changed(event.context() instanceof Path path ? path.toString() : ANY);
                    }
                }
                if (!key.reset() && watch != null) {
                    watch.lost(key);
                }
            }
        }
        catch (InterruptedException | ClosedWatchServiceException ex) {
            byKey.values().forEach(watch -> watch.changed(ANY));
        }
    }
}
