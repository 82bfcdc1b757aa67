package dev.sherlock.memcached;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The memcached backend for a {@code MemcachedClient} handed to {@code Sherlock.configure(client)}. The client library is
 * optional: it is loaded only when the client is of its type.
 *
 * @since 0.1.0
 */
public final class MemcachedBackendFactory implements BackendFactory {

    private static final String CLIENT_TYPE = "net.spy.memcached.MemcachedClient";

    @Override
    public @Nullable LockBackend forClient(Object client) {
        return BackendFactory.isA(client, CLIENT_TYPE) ? Loaded.backend(client) : null;
    }

    @Override
    public String accepts() {
        return "a MemcachedClient (memcached)";
    }

    /** Touches the client library only once a client of its type was seen. */
    private static final class Loaded {

        static LockBackend backend(Object client) {
            return MemcachedBackend.of((net.spy.memcached.MemcachedClient) client);
        }
    }
}
