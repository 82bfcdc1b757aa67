package dev.sherlock;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The backend factories on the class path ({@code META-INF/services/dev.sherlock.spi.BackendFactory}): the core
 * picks a backend for a client, as py-sherlock's {@code configure(client=...)} does, without knowing any backend.
 */
final class BackendFactories {

    private static final List<BackendFactory> factories = ServiceLoader.load(BackendFactory.class,
            BackendFactories.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();

    private BackendFactories() {
    }

    static LockBackend forClient(Object client) {
        if (client instanceof LockBackend backend) {
            return backend;
        }
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
        for (BackendFactory factory : factories) {
            @Nullable LockBackend backend = factory.defaultBackend();
            if (backend != null) {
                return backend;
            }
        }
        throw new LockConfigurationException("Sherlock is not configured and no backend offers a default (the file"
                + " backend's factory is missing from META-INF/services). Call Sherlock.configure(...) first");
    }
}
