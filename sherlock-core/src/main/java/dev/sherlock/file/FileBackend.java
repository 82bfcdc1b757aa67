package dev.sherlock.file;

import java.io.IOException;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.FencingTokens;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks as files in one directory, shared by every thread, handle and JVM of <em>one machine</em>. It does not
 * exclude processes on other machines, even over a network file system.
 *
 * <p>Each lock is one state file, {@code <key>.sherlock} (holder, fencing counter, expiry). Every change takes an
 * exclusive OS lock on it for a moment and writes the new state into the file's spare slot, so a crash at any point
 * leaves a valid state, and the OS drops the lock of a crashed process. Fencing tokens are
 * {@code max(counter + 1, wall-clock microseconds)}, so they keep increasing even after the file or the whole
 * directory was deleted. The file names never end in {@code .lock} or {@code .json}, the names py-sherlock's
 * {@code FileLock} uses: the two libraries cannot share file locks and never touch each other's files.
 *
 * <p>The directory is private by default: it must belong to the user running the process and not be writable by
 * group or others (a missing one is created with mode {@code 0700}), and its parents must not let others swap it;
 * {@link Builder#sharedDirectory(boolean) builder().sharedDirectory(true)} accepts a sticky directory shared by
 * several users. Files in it are opened without ever following a symbolic link, and a link, FIFO, directory,
 * hard-linked or foreign file where a lock file should be is refused with a {@link LockConfigurationException},
 * never written through.
 *
 * <p>Waiters are woken by the file system's change notifications (inotify on Linux) as soon as a state file is
 * written, with polling at the retry interval as the fallback; notifications resume when the directory is removed
 * and made again. The directory is watched only while a thread of this JVM waits on it, and for 2 s after the last
 * wait: locks nobody waits for cost no notifications.
 *
 * <p>Expiry deadlines use {@link System#nanoTime()}, one monotonic clock for all processes of a machine, tagged
 * with the boot they belong to ({@code /proc/sys/kernel/random/boot_id} on Linux), so a reboot frees every lock.
 *
 * <p>It is a little over 300 lines only with its nested builder, the shape every backend shares.
 *
 * @since 0.1.0
 */
public final class FileBackend implements LockBackend {

    private static final Logger logger = LoggerFactory.getLogger(FileBackend.class);

    private static final String boot = bootId();

    private final LockDirectory directory;

    private final @Nullable DirectoryWatch watch;

    private FileBackend(Path directory, boolean shared) {
        this.directory = LockDirectory.open(directory, shared);
        this.watch = this.directory.watch();
    }

    /**
     * Stops watching the lock directory, and closes the lock files kept open in it; the watch thread ends once no
     * open file backend watches a directory.
     */
    @Override
    public void close() {
        directory.close();
        FileStripes.closeAll(directory.path());
    }

    /** The directory's change notifications, or {@code null} where the file system has none; for tests. */
    @Nullable DirectoryWatch watch() {
        return watch;
    }

    /**
     * Starts configuring a backend.
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A backend on a private directory, created with mode {@code 0700} if needed.
     * @param directory where the lock files live; every process sharing locks must use the same directory
     * @return the backend
     * @throws LockConfigurationException if the directory cannot be created or written, or, on POSIX systems, it
     *     belongs to another user, is writable by group or others, or lies where another user could swap it
     */
    public static FileBackend of(Path directory) {
        return builder().directory(directory).build();
    }

    /**
     * The directory used when none is configured: {@code sherlock-<user>} in {@code java.io.tmpdir}, one per user,
     * so that another user cannot take it over (one who creates it first only makes it refused).
     * @return the default directory for the user running this process
     */
    public static Path defaultDirectory() {
        String user = System.getProperty("user.name", "").replaceAll("[^A-Za-z0-9._-]", "_");
        if (user.isEmpty() || user.matches("[._]*")) {
            user = "uid" + DirectoryRules.currentUid();
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "sherlock-" + user).toAbsolutePath();
    }

    /**
     * The directory holding the lock files.
     * @return the absolute directory, with symbolic links resolved
     */
    public Path directory() {
        return directory.path();
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
        return StoreException.guard("file", "acquire", key, () -> doTryAcquire(key, owner, expire));
    }

    private AcquireResult doTryAcquire(String key, String owner, @Nullable Duration expire) {
        long sent = System.nanoTime();
        return update(key, (state, now, observed) -> {
            if (state.heldBy(owner, now, boot)) {
                // A repeated attempt of the same acquisition: it holds the lock, now measured from this attempt.
                return new Change<>(LockFile.held(owner, state.token(), boot, sent, expire),
                        AcquireResult.acquired(state.token()));
            }
            if (state.heldAt(now, boot)) {
                Long remaining = state.remainingNanos(now);
                return new Change<>(null,
                        AcquireResult.held(remaining == null ? null : Duration.ofNanos(remaining), observed));
            }
            long token = FencingTokens.next(state.token(), Clock.systemUTC());
            return new Change<>(LockFile.held(owner, token, boot, sent, expire), AcquireResult.acquired(token));
        });
    }

    @Override
    public boolean release(String key, String owner) {
        return StoreException.guard("file", "release", key, () -> doRelease(key, owner));
    }

    private boolean doRelease(String key, String owner) {
        return update(key, (state, now, observed) -> state.heldBy(owner, now, boot)
                ? new Change<>(state.free(), true) : new Change<>(null, false));
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return StoreException.guard("file", "renew", key, () -> doRenew(key, owner, expire));
    }

    private boolean doRenew(String key, String owner, @Nullable Duration expire) {
        long sent = System.nanoTime();
        return update(key, (state, now, observed) -> state.heldBy(owner, now, boot)
                ? new Change<>(LockFile.held(owner, state.token(), boot, sent, expire), true)
                : new Change<>(null, false));
    }

    @Override
    public boolean isLocked(String key) {
        return StoreException.guard("file", "isLocked", key, () -> doIsLocked(key));
    }

    private boolean doIsLocked(String key) {
        Path file = stateFile(key);
        boolean interrupted = Thread.interrupted();
        FileStripes.Stripe stripe = FileStripes.of(file);
        stripe.lock();
        try {
            if (!directory.check(false)) {
                return false;
            }
            // Without the OS lock: a state being written fails its checksum, and the previous one in the other slot
            // counts.
            StateFile state = stripe.reuse(file);
            if (state == null) {
                state = StateFile.openExisting(file);
                if (state == null) {
                    return false;
                }
            }
            boolean read = false;
            try {
                boolean held = state.read().state().heldAt(System.nanoTime(), boot);
                read = true;
                return held;
            }
            finally {
                stripe.giveBack(state, read);
            }
        }
        catch (IOException ex) {
            throw inaccessible(file, "read", ex);
        }
        finally {
            stripe.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Wakes as soon as the lock's state file changes where the file system notifies (inotify), else polls. The
     * directory is registered for notifications by the first waiter and stays registered while threads of this JVM
     * wait on it, and for a linger of 2 s after the last one. A waiter that registers it checks the lock at once, as
     * a release between its failed attempt and the registration was not notified.
     */
    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        if (watch == null) {
            return LockBackend.super.awaitRelease(key, observedVersion, maxWait);
        }
        try {
            // Counted before anything can fail: the finally block ends every wait it started.
            watch.startWaiting();
            return awaitNotified(watch, key, observedVersion, maxWait);
        }
        finally {
            watch.stopWaiting();
        }
    }

    private WaitOutcome awaitNotified(DirectoryWatch watch, String key, long observedVersion, Duration maxWait)
            throws InterruptedException {
        String fileName = stateFile(key).getFileName().toString();
        long deadline = System.nanoTime() + maxWait.toNanos();
        long observed = observedVersion;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return WaitOutcome.tryAgain();
            }
            if (!directory.check(false)) {
                // The directory is gone, and its locks with it.
                return WaitOutcome.tryAgain();
            }
            if (!watch.registered() && !watch.register()) {
                return LockBackend.super.awaitRelease(key, observed, Duration.ofNanos(remaining));
            }
            if (!watch.registeredAfter(observed)) {
                watch.await(fileName, observed, remaining);
            }
            // Changes also come from acquisitions: keep waiting, without the OS lock, while someone holds the lock.
            observed = watch.sequence();
            if (!isLocked(key)) {
                return WaitOutcome.tryAgain();
            }
        }
    }

    /**
     * Reads, decides and writes one lock's state under its OS lock. The update is short and is not torn by an
     * interrupt: the thread's interrupt status is cleared for its duration and restored afterwards.
     */
    private <T> T update(String key, Decision<T> decision) {
        Path file = stateFile(key);
        boolean interrupted = Thread.interrupted();
        FileStripes.Stripe stripe = FileStripes.of(file);
        stripe.lock();
        try {
            try {
                return updateLocked(stripe, file, decision);
            }
            catch (NoSuchFileException ex) {
                // The directory was removed between its check and the open: check (make) it again, once.
                return updateLocked(stripe, file, decision);
            }
        }
        catch (IOException ex) {
            throw inaccessible(file, "updated", ex);
        }
        finally {
            stripe.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #update}, with the stripe locked; the state file stays open for the stripe's next operation. */
    private <T> T updateLocked(FileStripes.Stripe stripe, Path file, Decision<T> decision) throws IOException {
        directory.check(true);
        // Read before the state, so a release right after this attempt is seen by awaitRelease.
        long observed = watch == null ? 0 : watch.sequence();
        StateFile state = stripe.reuse(file);
        if (state == null) {
            state = StateFile.open(file, directory.filePermissions());
        }
        boolean updated = false;
        try {
            T result;
            try (FileLock ignored = state.lock()) {
                StateFile.Snapshot snapshot = state.read();
                if (snapshot.damaged()) {
                    // Only outside interference damages both slots: the lock counts as free, tokens still increase.
                    logger.warn("Backend file: lock file {} is damaged; treating the lock as free", file);
                }
                Change<T> change = decision.decide(snapshot.state(), System.nanoTime(), observed);
                if (change.next() != null) {
                    state.write(snapshot, change.next());
                }
                result = change.result();
            }
            updated = true;
            return result;
        }
        finally {
            // A file that failed, even at its unlock, or met an Error is closed here and now, never left to the GC,
            // whose close at some later moment would drop an OS lock this JVM then holds on the file.
            stripe.giveBack(state, updated);
        }
    }

    private Path stateFile(String key) {
        return directory.path().resolve(key + StateFile.SUFFIX);
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

    @Override
    public String toString() {
        return "FileBackend (" + directory + (directory.shared() ? ", shared" : "") + ")";
    }

    @FunctionalInterface
    private interface Decision<T> {
        Change<T> decide(LockFile state, long now, long observed);
    }

    private record Change<T>(@Nullable LockFile next, T result) {
    }

    private static StoreException inaccessible(Path file, String what, IOException ex) {
        return new StoreException("lock file " + file + " cannot be " + what + ": " + ex
                + ". Every process sharing the directory must be able to read and write its files", ex);
    }

    /**
     * Configures a {@link FileBackend}.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private @Nullable Path directory;

        private boolean sharedDirectory;

        private Builder() {
        }

        /**
         * Sets where the lock files live; every process sharing locks must use the same directory.
         * {@link FileBackend#defaultDirectory()} by default.
         * @param directory the directory
         * @return this builder
         */
        public Builder directory(Path directory) {
            if (directory == null) {
                throw new LockConfigurationException("Backend file: 'directory' must not be null");
            }
            this.directory = directory;
            return this;
        }

        /**
         * Whether the directory is shared by the processes of several users (off by default), such as one made by
         * {@code install -d -m 3770 -g locks /var/lock/sherlock}. A shared directory must exist and may belong to
         * another user; if group or others can write it, it must be sticky, so users cannot remove or replace each
         * other's lock files. Lock files are then created readable and writable by the group, so the directory
         * should be setgid to the group its users share. A private directory (the default) is created with mode
         * {@code 0700} if needed, and refused if it belongs to another user or group or others can write it.
         * @param sharedDirectory whether the directory is shared by several users
         * @return this builder
         */
        public Builder sharedDirectory(boolean sharedDirectory) {
            this.sharedDirectory = sharedDirectory;
            return this;
        }

        /**
         * Creates the backend, and the directory if it is private and missing.
         * @return the backend; close it on shutdown
         * @throws LockConfigurationException if the directory cannot be created or written, or breaks the rules
         *     above
         */
        public FileBackend build() {
            return new FileBackend(directory != null ? directory : defaultDirectory(), sharedDirectory);
        }
    }
}
