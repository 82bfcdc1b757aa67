package dev.sherlock.kubernetes;

import dev.sherlock.spi.ClientBackendFactory;
import dev.sherlock.spi.LockBackend;

/**
 * The kubernetes backend for a {@code ApiClient} handed to {@code Sherlock.configure(client)}.
 *
 * @since 0.1.0
 */
public final class KubernetesBackendFactory extends ClientBackendFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public KubernetesBackendFactory() {
        super("io.kubernetes.client.openapi.ApiClient",
                "a Kubernetes ApiClient (kubernetes, Leases in the pod's namespace, or 'default' outside a pod)");
    }

    @Override
    protected LockBackend create(Object client) {
        return KubernetesBackend.of((io.kubernetes.client.openapi.ApiClient) client);
    }
}
