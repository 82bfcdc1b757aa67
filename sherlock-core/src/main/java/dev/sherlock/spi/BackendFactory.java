package dev.sherlock.spi;

import org.jspecify.annotations.Nullable;

/**
 * Builds a backend around a client object, for {@code Sherlock.configure(client)} (py-sherlock's
 * {@code configure(client=...)}): each backend package offers one, found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.sherlock.spi.BackendFactory}), so adding a backend touches no core class.
 *
 * <p>Client libraries are optional: an implementation must recognise a client without loading the library's classes
 * when the client is of another kind (compare type names, or keep the library's types in a nested holder class).
 *
 * @since 0.1.0
 */
public interface BackendFactory {

    /**
     * A backend on {@code client}, or {@code null} if this factory does not know the client's type.
     * @param client the client handed to {@code Sherlock.configure}
     * @return the backend, or {@code null}
     */
    @Nullable LockBackend forClient(Object client);

    /**
     * The clients this factory accepts, for the message when no factory knows a client, e.g. {@code "a
     * RedisConnectionFactory (redis)"}.
     * @return a short phrase
     */
    String accepts();
}
