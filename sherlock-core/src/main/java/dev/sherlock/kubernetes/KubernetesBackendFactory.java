package dev.sherlock.kubernetes;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The kubernetes backend for a {@code ApiClient} handed to {@code Sherlock.configure(client)}. The client library is
 * optional: it is loaded only when the client is of its type.
 *
 * @since 0.1.0
 */
public final class KubernetesBackendFactory implements BackendFactory {

    private static final String CLIENT_TYPE = "io.kubernetes.client.openapi.ApiClient";

    @Override
    public @Nullable LockBackend forClient(Object client) {
        return BackendFactory.isA(client, CLIENT_TYPE) ? Loaded.backend(client) : null;
    }

    @Override
    public String accepts() {
        return "a Kubernetes ApiClient (kubernetes, Leases in the namespace 'default')";
    }

    /** Touches the client library only once a client of its type was seen. */
    private static final class Loaded {

        static LockBackend backend(Object client) {
            return KubernetesBackend.of((io.kubernetes.client.openapi.ApiClient) client);
        }
    }
}
