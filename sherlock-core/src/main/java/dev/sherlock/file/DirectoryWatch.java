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
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sherlock.spi.DaemonThreads;
import dev.sherlock.spi.ReleaseSignals;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Change notifications for a lock directory (inotify on Linux), so a waiter wakes as soon as a state file is
 * written instead of at its next poll. All directories of the default file system share one watch service (one
 * inotify instance) and one daemon thread per JVM.
 *
 * <p>The directory is registered only while it is waited for: from the first {@link #startWaiting()} until no
 * thread of this JVM has waited on it for the {@linkplain #lingerFor linger} (2 s), so a lock under steady
 * contention keeps its registration, while locks nobody waits for cost no notification (every write of a state
 * file in a registered directory queues an event and wakes the watch threads). The watch thread drops idle
 * registrations, and once no directory is registered it closes the service and ends; the next waiter starts them
 * again. The last {@link #release()} of a directory drops its registration at once.
 *
 * <p>A directory that is removed loses its registration; {@link #register()} registers the directory again once it
 * exists again if some thread waits (the backend calls it when it finds the directory recreated, and a waiter when
 * it finds the registration gone), so notifications survive temporary-directory cleaners. Sequence numbers go on
 * across registrations.
 *
 * <p>Each change gets a sequence number and is signalled to the waiters of its file through {@link ReleaseSignals},
 * which also remembers recent changes, so a waiter that read the sequence before its failed attempt also sees a change
 * that happened before it started to wait.
 */
final class DirectoryWatch {

    private static final Logger logger = LoggerFactory.getLogger(DirectoryWatch.class);

    private static final String ANY = "";

    /** How long a directory stays registered after its last waiter left, unless {@link #lingerFor} says otherwise. */
    static final Duration LINGER = Duration.ofSeconds(2);

    /** One factory, so a thread dump tells a restarted watch thread from the first one. */
    private static final DaemonThreads threads = new DaemonThreads("sherlock-file-watch");

    private static final ConcurrentMap<Path, DirectoryWatch> watches = new ConcurrentHashMap<>();

    private static final ConcurrentMap<WatchKey, DirectoryWatch> byKey = new ConcurrentHashMap<>();

    private static @Nullable WatchService service;

    private final Path directory;

    private final ReleaseSignals signals = new ReleaseSignals();

    private final AtomicLong sequence = new AtomicLong();

    private @Nullable WatchKey key;

    /** The sequence number of the current registration's start: changes before it may not have been notified. */
    private volatile long since;

    /** Open backends using this watch; guarded by the class. */
    private int users;

    /** Threads of this JVM waiting in {@link #startWaiting()} .. {@link #stopWaiting()}; guarded by this. */
    private int waiters;

    /** When the last waiter left ({@link System#nanoTime()}); guarded by this. */
    private long lastWait;

    private volatile long lingerNanos = LINGER.toNanos();

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
     * Whether a waiter that read {@code observed} from {@link #sequence()} before its failed attempt may have missed
     * a change: the current registration started after that read, so a release between the two was not notified.
     * Such a waiter checks the lock at once instead of waiting.
     */
    boolean registeredAfter(long observed) {
        return since > observed;
    }

    /**
     * Counts a thread of this JVM that is about to wait on the directory, and registers the directory if it is not
     * registered, waking every waiter (as {@link #register()} does). The directory stays registered at least until
     * the matching {@link #stopWaiting()}, unless it is removed or its last backend is closed; whether it is, the
     * waiter asks {@link #registered()}.
     */
    void startWaiting() {
        synchronized (DirectoryWatch.class) {
            synchronized (this) {
                waiters++;
                if (users > 0) {
                    registerNow();
                }
            }
        }
    }

    /**
     * Ends a wait counted by {@link #startWaiting()} (also one whose start failed). After the last one the
     * registration lingers, then the watch thread drops it.
     */
    synchronized void stopWaiting() {
        waiters--;
        lastWait = System.nanoTime();
    }

    /** Sets how long the directory stays registered after its last waiter left; for tests. */
    void lingerFor(Duration linger) {
        lingerNanos = linger.toNanos();
    }

    /**
     * Registers the directory if it is not registered and some thread waits on it (it was removed and made again),
     * and wakes every waiter, since changes made while it was not registered were not seen.
     * @return whether the directory is registered
     */
    boolean register() {
        // The class first, as release() takes it: the service is made and closed under it.
        synchronized (DirectoryWatch.class) {
            synchronized (this) {
                return users > 0 && waiters > 0 && registerNow();
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
            since = changed(ANY);
            logger.debug("Backend file: watching {} while threads wait on it", directory);
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
            threads.start(() -> run(created));
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

    private long changed(String fileName) {
        long version = sequence.incrementAndGet();
        if (fileName.equals(ANY)) {
            signals.releasedAll(version);
        }
        else {
            signals.released(fileName, version);
        }
        return version;
    }

    /** Drops the registration if nobody has waited on the directory for the linger; under the class's monitor. */
    private synchronized void dropIfIdle(long now) {
        if (key != null && waiters == 0 && now - lastWait >= lingerNanos) {
            replaced();
            logger.debug("Backend file: no longer watching {}, nobody waits on it", directory);
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
            long lastSweep = System.nanoTime();
            while (true) {
                // Looked up on every turn: the directory that started the thread is registered just after.
                long interval = sweepInterval();
                WatchKey key = service.poll(lastSweep + interval - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (key != null) {
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
                long now = System.nanoTime();
                if (now - lastSweep >= interval) {
                    if (!sweep(service, now)) {
                        return;
                    }
                    lastSweep = now;
                }
            }
        }
        catch (InterruptedException | ClosedWatchServiceException ex) {
            byKey.values().forEach(watch -> watch.changed(ANY));
        }
    }

    /**
     * Drops the registrations nobody waited for within their linger, and closes the service once none is left.
     * @return whether the service is still open
     */
    private static synchronized boolean sweep(WatchService swept, long now) {
        // Under the class, as registrations are made: none can appear between the check and the close.
        List.copyOf(byKey.values()).forEach(watch -> watch.dropIfIdle(now));
        if (service != swept) {
            return false;
        }
        if (!byKey.isEmpty()) {
            return true;
        }
        try {
            swept.close();
        }
        catch (IOException ex) {
            logger.debug("Backend file: closing the watch service failed", ex);
        }
        service = null;
        return false;
    }

    /** How often the watch thread looks for idle registrations: the shortest linger of a registered directory. */
    private static long sweepInterval() {
        long interval = LINGER.toNanos();
        for (DirectoryWatch watch : byKey.values()) {
            interval = Math.min(interval, watch.lingerNanos);
        }
        return Math.max(interval, TimeUnit.MILLISECONDS.toNanos(1));
    }
}
