package dev.sherlock;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * Gives out the locks of one backend and namespace.
 *
 * <p>{@link #getLock(String)} returns the registry's one handle per name: every caller in the JVM shares its hold
 * state, so a nested call on the same thread re-enters instead of deadlocking, and local waiters queue in the JVM
 * instead of all polling the server. The shared state exists only while someone holds or waits for the lock, so
 * names built from data do not pile up.
 *
 * @since 0.1.0
 */
public interface LockRegistry extends AutoCloseable {

    /**
     * The registry's handle for {@code name}, with the registry's settings. Nothing is held yet.
     * @param name the lock's name
     * @return the handle
     * @throws LockConfigurationException if the name is invalid
     */
    default Lock getLock(String name) {
        return getLock(name, settings());
    }

    /**
     * The registry's handle for {@code name} with other timing settings, e.g. from an annotation. It shares its
     * hold state with every other handle of the same name; the settings apply to the acquisitions it makes.
     * @param name the lock's name
     * @param settings the settings of this handle
     * @return the handle
     * @throws LockConfigurationException if the name is invalid
     */
    Lock getLock(String name, LockSettings settings);

    /**
     * The registry's default settings.
     * @return the settings
     */
    LockSettings settings();

    /**
     * Acquires {@code name}, waiting up to the configured timeout, for use in try-with-resources.
     * @param name the lock's name
     * @return the held lock; closing it releases it
     * @throws LockTimeoutException if not acquired in time
     */
    default Lock acquire(String name) {
        Lock lock = getLock(name);
        lock.acquire();
        return lock;
    }

    /**
     * Acquires {@code name}, runs {@code task} and always releases the lock.
     * @param <T> the task's result type
     * @param name the lock's name
     * @param task the work to do while holding the lock
     * @return the task's result
     * @throws LockTimeoutException if not acquired in time; the task is not run
     * @throws Exception whatever the task throws, unchanged
     */
    default <T extends @Nullable Object> T executeLocked(String name, Callable<T> task) throws Exception {
        try (Lock lock = acquire(name)) {
            return task.call();
        }
    }

    /**
     * Acquires {@code name}, runs {@code task} and always releases the lock.
     * @param name the lock's name
     * @param task the work to do while holding the lock
     * @throws LockTimeoutException if not acquired in time; the task is not run
     */
    default void executeLocked(String name, Runnable task) {
        try (Lock lock = acquire(name)) {
            task.run();
        }
    }

    /**
     * The locks of this registry that threads of this JVM hold or wait for right now, by name: for operators (e.g.
     * an actuator endpoint), never for deciding anything, since it may change at once.
     * @return a snapshot of each such lock; empty for registries that do not track them
     */
    default List<LockSnapshot> locks() {
        return List.of();
    }

    /**
     * Adds a listener told about every lock of this registry.
     * @param listener the listener
     */
    void addListener(LockListener listener);

    /**
     * Sets what observes this registry's acquires, holds and renewals (see {@link LockObserver}), replacing any
     * earlier observer; the Spring Boot starter sets one that reports to Micrometer.
     * @param observer the observer; {@link LockObserver#NONE} to observe nothing
     */
    void setObserver(LockObserver observer);

    /**
     * Stops the registry's background work when the application stops: pending renewals and clean-ups are dropped and
     * the threads the registry started end. Locks still held are not released (the threads holding them may still
     * run); they expire on the backend. No lock can be acquired afterwards. The backend stays open: it is the
     * caller's. Spring calls this when the context closes.
     */
    @Override
    default void close() {
    }

    /**
     * A registry over {@code backend} with the default settings and no namespace.
     * @param backend the backend
     * @return the registry
     */
    static LockRegistry of(LockBackend backend) {
        return of(backend, null, LockSettings.defaults());
    }

    /**
     * A registry over {@code backend}.
     * @param backend the backend
     * @param namespace prefix of every lock name, or {@code null} for none
     * @param settings the default settings of its locks
     * @return the registry
     */
    static LockRegistry of(LockBackend backend, @Nullable String namespace, LockSettings settings) {
        return new BackendLockRegistry(backend, namespace, settings, null);
    }

    /**
     * A registry over {@code backend} whose renewals and clean-ups call the backend on {@code executor}, e.g. a
     * virtual-thread executor or the application's task executor, instead of threads of its own. The executor stays
     * the caller's: {@link #close()} drops the registry's pending tasks but does not shut it down.
     * @param backend the backend
     * @param namespace prefix of every lock name, or {@code null} for none
     * @param settings the default settings of its locks
     * @param executor runs the background calls to the backend; it must not run tasks on the calling thread (the
     *     timer's) and should not queue them behind long-running work, or renewals come late
     * @return the registry
     */
    static LockRegistry of(LockBackend backend, @Nullable String namespace, LockSettings settings,
            Executor executor) {
        return new BackendLockRegistry(backend, namespace, settings,
                Objects.requireNonNull(executor, "'executor' must not be null"));
    }
}
