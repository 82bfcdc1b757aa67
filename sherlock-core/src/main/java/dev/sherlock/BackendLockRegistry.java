package dev.sherlock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The {@link LockRegistry} over one backend and namespace. Hold state is shared per name and kept only while
 * someone holds or waits for the lock.
 */
final class BackendLockRegistry implements LockRegistry {

    private final LockBackend backend;

    private final @Nullable String namespace;

    private final LockSettings settings;

    private final Watchers watchers = new Watchers();

    private final ConcurrentMap<String, LockState> states = new ConcurrentHashMap<>();

    /** Where the renewals, watchdogs and clean-ups of this registry's locks run; closed with it. */
    private final Background background;

    /**
     * @param executor runs the calls of renewals and clean-ups, or {@code null} for threads of the registry's own
     */
    BackendLockRegistry(LockBackend backend, @Nullable String namespace, LockSettings settings,
            @Nullable Executor executor) {
        this.backend = Objects.requireNonNull(backend, "'backend' must not be null");
        this.namespace = namespace;
        this.settings = Objects.requireNonNull(settings, "'settings' must not be null");
        if (namespace != null) {
            LockNames.validate("-", namespace, backend.name());
        }
        settings.requireSupportedBy(backend, toString());
        this.background = Background.forRegistry(backend, executor);
    }

    @Override
    public Lock getLock(String name, LockSettings settings) {
        if (background.closed()) {
            throw new LockException("Lock '" + name + "' (backend " + backend.name() + "): " + this
                    + " is closed; it gives out no more locks");
        }
        LockId id = LockId.of(name, namespace, backend);
        return new BackendLock(id, settings, new Shared(id));
    }

    @Override
    public LockSettings settings() {
        return settings;
    }

    @Override
    public void addListener(LockListener listener) {
        watchers.listeners.add(Objects.requireNonNull(listener, "'listener' must not be null"));
    }

    @Override
    public void setObserver(LockObserver observer) {
        watchers.observeWith(observer);
    }

    @Override
    public List<LockSnapshot> locks() {
        List<LockSnapshot> locks = new ArrayList<>();
        for (LockState state : states.values()) {
            locks.add(state.snapshot());
        }
        locks.sort(Comparator.comparing(LockSnapshot::name));
        return locks;
    }

    /**
     * Stops the background work: pending renewals and clean-ups are dropped and the registry's own threads end. Held
     * locks are not released (their threads may still use them); they expire on the backend.
     */
    @Override
    public void close() {
        background.close();
    }

    /** Number of names with live hold state, for tests of the cleanup. */
    int liveStates() {
        return states.size();
    }

    @Override
    public String toString() {
        return "LockRegistry (backend " + backend.name() + (namespace == null ? "" : ", namespace '" + namespace + "'")
                + ")";
    }

    private final class Shared implements StateSource {

        private final LockId id;

        Shared(LockId id) {
            this.id = id;
        }

        @Override
        public LockState enter() {
            return states.compute(id.name(), (name, state) -> {
                LockState entered = state != null ? state : new LockState(id, watchers, background);
                entered.users++;
                return entered;
            });
        }

        @Override
        public void leave(LockState left) {
            states.computeIfPresent(id.name(), (name, state) -> {
                if (state != left) {
                    return state;
                }
                return --state.users == 0 ? null : state;
            });
        }

        @Override
        public @Nullable LockState current() {
            return states.get(id.name());
        }
    }
}
