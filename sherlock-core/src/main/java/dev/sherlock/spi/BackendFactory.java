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

    /**
     * The backend {@code Sherlock} uses until it is configured, or {@code null}: only the file backend offers one
     * (locks in a per-user directory of this machine, as py-sherlock's default).
     * @return the default backend, or {@code null}
     */
    default @Nullable LockBackend defaultBackend() {
        return null;
    }

    /**
     * Whether {@code client}'s class is, extends or implements the type named {@code typeName}, found without
     * loading that type: so a factory can test for a client library that may be absent.
     * @param client the client
     * @param typeName the binary name of a class or interface, e.g.
     *     {@code "org.springframework.data.redis.connection.RedisConnectionFactory"}
     * @return {@code true} if the client is of that type
     */
    static boolean isA(Object client, String typeName) {
        return isA(client.getClass(), typeName);
    }

    private static boolean isA(@Nullable Class<?> type, String typeName) {
        if (type == null) {
            return false;
        }
        if (type.getName().equals(typeName) || isA(type.getSuperclass(), typeName)) {
            return true;
        }
        for (Class<?> implemented : type.getInterfaces()) {
            if (isA(implemented, typeName)) {
                return true;
            }
        }
        return false;
    }
}
