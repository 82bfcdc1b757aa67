package dev.sherlock.memcached;

import dev.sherlock.spi.ClientBackendFactory;
import dev.sherlock.spi.LockBackend;

/**
 * The memcached backend for a {@code MemcachedClient} handed to {@code Sherlock.configure(client)}.
 *
 * @since 0.1.0
 */
public final class MemcachedBackendFactory extends ClientBackendFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public MemcachedBackendFactory() {
        super("net.spy.memcached.MemcachedClient", "a MemcachedClient (memcached)");
    }

    @Override
    protected LockBackend create(Object client) {
        return MemcachedBackend.of((net.spy.memcached.MemcachedClient) client);
    }
}
