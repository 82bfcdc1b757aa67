package dev.sherlock;

import java.util.function.Consumer;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * Global configuration and lock factory for plain Java, as py-sherlock's module functions:
 * <pre>{@code
 * Sherlock.configure(config -> config.backend(FileBackend.of(Path.of("/var/lock/sherlock")))
 *         .namespace("billing").expire(Duration.ofSeconds(30)));
 * try (Lock lock = Sherlock.lock("orders")) {
 *     lock.acquire();
 *     ...
 * }
 * }</pre>
 * Until configured, locks live in the file backend under {@code FileBackend.defaultDirectory()}
 * ({@code sherlock-<user>} in {@code java.io.tmpdir}) with the default
 * {@link LockSettings}. Each {@code configure} starts a new {@link #registry()}: holds taken through an earlier
 * registry are released through it, and do not re-enter through the new one.
 *
 * @since 0.1.0
 */
public final class Sherlock {

    private static volatile @Nullable Snapshot current;

    private Sherlock() {
    }

    /**
     * Changes the global configuration; locks created afterwards use it.
     * @param configurer receives the current configuration to change
     */
    public static synchronized void configure(Consumer<SherlockConfiguration> configurer) {
        Snapshot before = snapshot();
        SherlockConfiguration configuration = new SherlockConfiguration(before.backend, before.namespace,
                before.settings);
        configurer.accept(configuration);
        LockBackend backend = configuration.backend();
        current = new Snapshot(backend, configuration.namespace(), configuration.settings(),
                LockRegistry.of(backend, configuration.namespace(), configuration.settings()),
                backend == before.backend ? before.ownsBackend : configuration.ownsBackend());
        if (backend != before.backend && before.ownsBackend) {
            // Made from a client by an earlier configure: its own resources (subscriptions, watches) end here.
            before.backend.close();
        }
    }

    /**
     * A new, independent handle on the configured backend; it contends with every other handle as another process
     * would.
     * @param name the lock's name
     * @return the handle
     */
    public static Lock lock(String name) {
        Snapshot snapshot = snapshot();
        return new BackendLock(name, snapshot.backend, snapshot.namespace, snapshot.settings);
    }

    /**
     * The registry of the configured backend, whose handles are shared per name within the JVM.
     * @return the registry
     */
    public static LockRegistry registry() {
        return snapshot().registry;
    }

    private static Snapshot snapshot() {
        Snapshot snapshot = current;
        if (snapshot == null) {
            synchronized (Sherlock.class) {
                snapshot = current;
                if (snapshot == null) {
                    LockBackend backend = BackendFactories.defaultBackend();
                    snapshot = new Snapshot(backend, null, LockSettings.defaults(), LockRegistry.of(backend), true);
                    current = snapshot;
                }
            }
        }
        return snapshot;
    }

    private record Snapshot(LockBackend backend, @Nullable String namespace, LockSettings settings,
            LockRegistry registry, boolean ownsBackend) {
    }
}
