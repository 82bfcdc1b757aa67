package dev.sherlock.redis;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The redis backend for a {@code RedisConnectionFactory} handed to {@code Sherlock.configure(client)}. The client library is
 * optional: it is loaded only when the client is of its type.
 *
 * @since 0.1.0
 */
public final class RedisBackendFactory implements BackendFactory {

    private static final String CLIENT_TYPE = "org.springframework.data.redis.connection.RedisConnectionFactory";

    @Override
    public @Nullable LockBackend forClient(Object client) {
        return BackendFactory.isA(client, CLIENT_TYPE) ? Loaded.backend(client) : null;
    }

    @Override
    public String accepts() {
        return "a RedisConnectionFactory (redis)";
    }

    /** Touches the client library only once a client of its type was seen. */
    private static final class Loaded {

        static LockBackend backend(Object client) {
            return RedisBackend.of((org.springframework.data.redis.connection.RedisConnectionFactory) client);
        }
    }
}
