package dev.sherlock.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import dev.sherlock.LockBackendException;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks as files in one directory, shared by every thread, handle and JVM of <em>one machine</em>. It does not
 * exclude processes on other machines, even over a network file system.
 *
 * <p>Each lock has a state file ({@code <key>.lock}: holder, fencing counter, expiry) and a guard file
 * ({@code <key>.guard}) on which every change takes an exclusive OS file lock for a moment; the state is then
 * replaced by an atomic rename, so a crash at any point leaves a valid state, and the OS drops the guard of a
 * crashed process. State files stay after release so fencing tokens keep increasing.
 *
 * <p>Waiters are woken by the file system's change notifications (inotify on Linux) as soon as a state file is
 * replaced, with polling at the retry interval as the fallback.
 *
 * <p>Expiry deadlines use {@link System#nanoTime()}, one monotonic clock for all processes of a machine, tagged
 * with the boot they belong to ({@code /proc/sys/kernel/random/boot_id} on Linux), so a reboot frees every lock.
 *
 * @since 0.1.0
 */
public final class FileBackend implements LockBackend {

    private static final Logger logger = LoggerFactory.getLogger(FileBackend.class);

    /** One JVM may not hold two OS locks on one file: its threads take turns per key first. */
    private static final ReentrantLock[] stripes = createStripes(64);

    private static final String boot = bootId();

    private static final Duration GUARD_WAIT = Duration.ofSeconds(5);

    private final Path directory;

    private final @Nullable DirectoryWatch watch;

    /**
     * Creates the backend, creating the directory if needed.
     * @param directory where the lock files live; every process sharing locks must use the same directory
     * @throws LockConfigurationException if the directory cannot be created or written
     */
    public FileBackend(Path directory) {
        if (directory == null) {
            throw new LockConfigurationException("Backend file: 'directory' must not be null");
        }
        try {
            // The real path: one directory reached through a symbolic link must be one directory here too.
            this.directory = Files.createDirectories(directory.toAbsolutePath().normalize()).toRealPath();
        }
        catch (IOException ex) {
            throw new LockConfigurationException("Backend file: 'directory' " + directory.toAbsolutePath().normalize()
                    + " cannot be created: " + ex.getMessage() + ". Choose a writable directory");
        }
        if (!Files.isWritable(this.directory)) {
            throw new LockConfigurationException("Backend file: 'directory' " + this.directory
                    + " is not writable. Choose a writable directory");
        }
        this.watch = DirectoryWatch.of(this.directory);
    }

    /**
     * The directory holding the lock files.
     * @return the absolute directory
     */
    public Path directory() {
        return directory;
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public String key(@Nullable String namespace, String name) {
        return FileKeys.key(namespace, name);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        long sent = System.nanoTime();
        // Read before the state, so a release right after this attempt is seen by awaitRelease.
        long observed = watch == null ? 0 : watch.sequence();
        return update(key, (state, now) -> {
            if (state.heldAt(now, boot)) {
                Long remaining = state.remainingNanos(now);
                return new Change<>(null,
                        AcquireResult.held(remaining == null ? null : Duration.ofNanos(remaining), observed));
            }
            long token = nextToken(state);
            return new Change<>(LockFile.held(owner, token, boot, sent, expire), AcquireResult.acquired(token));
        });
    }

    @Override
    public boolean release(String key, String owner) {
        return update(key, (state, now) -> state.heldBy(owner, now, boot) ? new Change<>(state.free(), true)
                : new Change<>(null, false));
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        long sent = System.nanoTime();
        return update(key, (state, now) -> {
            if (!state.heldBy(owner, now, boot)) {
                return new Change<>(null, false);
            }
            return new Change<>(LockFile.held(owner, state.token(), boot, sent, expire), true);
        });
    }

    @Override
    public boolean isLocked(String key) {
        Path file = stateFile(key);
        try {
            LockFile state = LockFile.read(file);
            // Damaged content counts as free, as it does for the guarded updates.
            return state != null && state.heldAt(System.nanoTime(), boot);
        }
        catch (IOException ex) {
            throw new LockBackendException("Backend file: lock file " + file + " cannot be read: " + ex
                    + ". Every process sharing the directory must be able to read and write its files", ex);
        }
    }

    /** Wakes as soon as the lock's state file changes where the file system notifies (inotify), else polls. */
    @Override
    public void awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        if (watch == null) {
            LockBackend.super.awaitRelease(key, observedVersion, maxWait);
            return;
        }
        String fileName = stateFile(key).getFileName().toString();
        long deadline = System.nanoTime() + maxWait.toNanos();
        long observed = observedVersion;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            watch.await(fileName, observed, remaining);
            // Changes also come from acquisitions: keep waiting, without the guard, while someone holds the lock.
            observed = watch.sequence();
            if (!isLocked(key)) {
                return;
            }
        }
    }

    private static long nextToken(LockFile state) {
        return state.token() + 1;
    }

    /**
     * Reads, decides and writes one lock's state under its guard. The update is short and is not torn by an
     * interrupt: the thread's interrupt status is cleared for its duration and restored afterwards.
     */
    private <T> T update(String key, Decision<T> decision) {
        boolean interrupted = Thread.interrupted();
        ReentrantLock stripe = stripes[Math.floorMod(stateFile(key).hashCode(), stripes.length)];
        stripe.lock();
        try {
            return updateGuarded(key, decision);
        }
        catch (IOException ex) {
            throw new LockBackendException("Backend file: lock file '" + key + "' in " + directory
                    + " cannot be updated: " + ex + ". Every process sharing the directory must be able to read and"
                    + " write its files", ex);
        }
        finally {
            stripe.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private <T> T updateGuarded(String key, Decision<T> decision) throws IOException {
        Path guardFile = directory.resolve(key + ".guard");
        try (FileChannel guard = openGuard(guardFile); FileLock ignored = lockGuard(guard, guardFile)) {
            Path file = stateFile(key);
            LockFile state = readRecovering(file);
            Change<T> change = decision.decide(state, System.nanoTime());
            if (change.next() != null) {
                change.next().write(file);
            }
            return change.result();
        }
    }

    private FileChannel openGuard(Path guardFile) throws IOException {
        try {
            return FileChannel.open(guardFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
        catch (NoSuchFileException ex) {
            // The directory was removed (e.g. a cleaned temporary directory): make it again.
            Files.createDirectories(directory);
            return FileChannel.open(guardFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }
    }

    /**
     * Takes the guard's OS lock. Holders keep it for microseconds, so waiting longer than {@link #GUARD_WAIT} means
     * the process holding it is frozen (stopped, paused): fail instead of blocking without limit.
     */
    private static FileLock lockGuard(FileChannel guard, Path guardFile) throws IOException {
        long deadline = System.nanoTime() + GUARD_WAIT.toNanos();
        long pause = 50_000;
        while (true) {
            try {
                FileLock lock = guard.tryLock();
                if (lock != null) {
                    return lock;
                }
            }
            catch (OverlappingFileLockException ex) {
                // Another backend instance of this JVM (another class loader) holds it: wait as for a process.
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("guard file " + guardFile + " has been locked by another process for "
                        + GUARD_WAIT.toSeconds() + " s; that process may be frozen");
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /**
     * Damaged content can only come from outside interference or a crash of the machine: start over as free, with
     * a fencing counter taken from the clock so tokens still increase. A file that cannot be read at all is an
     * error, never a free lock.
     */
    private static LockFile readRecovering(Path file) throws IOException {
        LockFile state = LockFile.read(file);
        if (state != null) {
            return state;
        }
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        logger.warn("Backend file: lock file {} is damaged; treating the lock as free with fencing counter {}", file,
                micros);
        return new LockFile("", micros, "", 0, 0, false);
    }

    private Path stateFile(String key) {
        return directory.resolve(key + ".lock");
    }

    private static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim();
        }
        catch (IOException | RuntimeException ex) {
            // Without a boot id, deadlines from before a reboot are only freed once their time passes again.
            return "unknown";
        }
    }

    private static ReentrantLock[] createStripes(int count) {
        ReentrantLock[] locks = new ReentrantLock[count];
        for (int i = 0; i < count; i++) {
            locks[i] = new ReentrantLock();
        }
        return locks;
    }

    @Override
    public String toString() {
        return "FileBackend (" + directory + ")";
    }

    @FunctionalInterface
    private interface Decision<T> {
        Change<T> decide(LockFile state, long now);
    }

    private record Change<T>(@Nullable LockFile next, T result) {
    }
}
