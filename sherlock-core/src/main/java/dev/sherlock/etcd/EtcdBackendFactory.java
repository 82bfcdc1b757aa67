package dev.sherlock.etcd;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The etcd backend for a {@code Client} handed to {@code Sherlock.configure(client)}. The client library is
 * optional: it is loaded only when the client is of its type.
 *
 * @since 0.1.0
 */
public final class EtcdBackendFactory implements BackendFactory {

    private static final String CLIENT_TYPE = "io.etcd.jetcd.Client";

    @Override
    public @Nullable LockBackend forClient(Object client) {
        return BackendFactory.isA(client, CLIENT_TYPE) ? Loaded.backend(client) : null;
    }

    @Override
    public String accepts() {
        return "a jetcd Client (etcd)";
    }

    /** Touches the client library only once a client of its type was seen. */
    private static final class Loaded {

        static LockBackend backend(Object client) {
            return EtcdBackend.of((io.etcd.jetcd.Client) client);
        }
    }
}
