package dev.sherlock.redis;

import dev.sherlock.spi.ClientBackendFactory;
import dev.sherlock.spi.LockBackend;

/**
 * The redis backend for a {@code RedisConnectionFactory} handed to {@code Sherlock.configure(client)}.
 *
 * @since 0.1.0
 */
public final class RedisBackendFactory extends ClientBackendFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public RedisBackendFactory() {
        super("org.springframework.data.redis.connection.RedisConnectionFactory", "a RedisConnectionFactory (redis)");
    }

    @Override
    protected LockBackend create(Object client) {
        return RedisBackend.of((org.springframework.data.redis.connection.RedisConnectionFactory) client);
    }
}
