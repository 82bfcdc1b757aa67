package dev.sherlock.spi;

import org.jspecify.annotations.Nullable;

/**
 * A {@link BackendFactory} for one type of client object, recognised by the type's name, so the client library, which
 * is optional, is loaded only when a client of that type is handed in.
 *
 * @since 0.1.0
 */
public abstract class ClientBackendFactory implements BackendFactory {

    private final String clientType;

    private final String accepts;

    /**
     * Creates the factory.
     * @param clientType the binary name of the client's class or interface, e.g.
     *     {@code "org.springframework.data.redis.connection.RedisConnectionFactory"}
     * @param accepts what {@link #accepts()} says, e.g. {@code "a RedisConnectionFactory (redis)"}
     */
    protected ClientBackendFactory(String clientType, String accepts) {
        this.clientType = clientType;
        this.accepts = accepts;
    }

    @Override
    public final @Nullable LockBackend forClient(Object client) {
        return BackendFactory.isA(client, clientType) ? create(client) : null;
    }

    @Override
    public final String accepts() {
        return accepts;
    }

    /**
     * Creates the backend; called only for a client of the type, so only then is the client library loaded.
     * @param client a client of the type
     * @return the backend
     */
    protected abstract LockBackend create(Object client);
}
