package dev.sherlock;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backend factories on the class path ({@code META-INF/services/dev.sherlock.spi.BackendFactory}): the core
 * picks a backend for a client, as py-sherlock's {@code configure(client=...)} does, without knowing any backend.
 */
final class BackendFactories {

    private static final Logger logger = LoggerFactory.getLogger(BackendFactories.class);

    /** At most this many broken entries are skipped, in case a class loader keeps failing on the same one. */
    private static final int MAX_BROKEN = 64;

    private BackendFactories() {
    }

    /** Loaded on first use only: a backend handed to {@code configure} never touches the service files. */
    private static final class Loaded {
        static final List<BackendFactory> factories = load(BackendFactories.class.getClassLoader());
    }

    /**
     * The factories {@code loader} finds. A factory that cannot be loaded or created (a missing class, a missing
     * library, a failing constructor) is logged and skipped, so one broken factory on the class path does not take
     * the others, or Sherlock's default backend, with it.
     */
    static List<BackendFactory> load(ClassLoader loader) {
        List<BackendFactory> found = new ArrayList<>();
        Iterator<BackendFactory> providers = ServiceLoader.load(BackendFactory.class, loader).iterator();
        int broken = 0;
        while (broken < MAX_BROKEN) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                found.add(providers.next());
            }
            catch (ServiceConfigurationError | LinkageError | RuntimeException ex) {
                broken++;
                logger.warn("A Sherlock backend factory listed in META-INF/services/{} cannot be loaded and is"
                        + " skipped; its backend cannot be chosen by client type: {}", BackendFactory.class.getName(),
                        ex.toString(), ex);
            }
        }
        return List.copyOf(found);
    }

    static LockBackend forClient(Object client) {
        if (client instanceof LockBackend backend) {
            return backend;
        }
        List<BackendFactory> factories = Loaded.factories;
        for (BackendFactory factory : factories) {
            LockBackend backend = factory.forClient(client);
            if (backend != null) {
                return backend;
            }
        }
        throw new LockConfigurationException("'client' of type " + client.getClass().getName() + " is no client"
                + " Sherlock knows. Pass " + factories.stream().map(BackendFactory::accepts)
                        .collect(Collectors.joining(", ")) + " or a LockBackend");
    }

    static LockBackend defaultBackend() {
        for (BackendFactory factory : Loaded.factories) {
            @Nullable LockBackend backend = factory.defaultBackend();
            if (backend != null) {
                return backend;
            }
        }
        throw new LockConfigurationException("Sherlock is not configured and no backend offers a default (the file"
                + " backend's factory is missing from META-INF/services). Call Sherlock.configure(...) first");
    }
}
