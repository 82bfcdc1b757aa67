package dev.sherlock.kubernetes;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import io.kubernetes.client.openapi.ApiClient;
import org.jspecify.annotations.Nullable;

/**
 * A lock held as a Lease object in a Kubernetes namespace (py-sherlock's {@code KubernetesLock}). Each handle is
 * independent: two handles of one name contend as two processes do.
 *
 * <pre>{@code
 * KubernetesLock lock = new KubernetesLock("orders", "default");
 * lock.acquire();
 * try {
 *     ...
 * }
 * finally {
 *     lock.release();
 * }
 * }</pre>
 *
 * <p>Semantics (expiry judged on this JVM's clock, fencing tokens, Lease names, permissions) are those of
 * {@link KubernetesBackend}.
 *
 * @see KubernetesBackend
 * @since 0.1.0
 */
public class KubernetesLock extends BackendLock {

    /**
     * Creates a handle with the default settings and no Sherlock namespace, on a client with the standard
     * configuration (in-cluster service account, then kubeconfig).
     * @param name the lock's name
     * @param kubernetesNamespace the Kubernetes namespace holding the Lease
     */
    public KubernetesLock(String name, String kubernetesNamespace) {
        this(name, KubernetesBackend.builder().namespace(kubernetesNamespace).build(), null, LockSettings.defaults());
    }

    /**
     * Creates a handle on an application's client.
     * @param name the lock's name
     * @param client the Kubernetes client
     * @param kubernetesNamespace the Kubernetes namespace holding the Lease
     * @param namespace Sherlock namespace: prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     */
    public KubernetesLock(String name, ApiClient client, String kubernetesNamespace, @Nullable String namespace,
            LockSettings settings) {
        this(name, KubernetesBackend.builder().client(client).namespace(kubernetesNamespace).build(), namespace,
                settings);
    }

    /**
     * Creates a handle on a backend shared with other handles.
     * @param name the lock's name
     * @param backend the backend
     * @param namespace Sherlock namespace: prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     */
    public KubernetesLock(String name, KubernetesBackend backend, @Nullable String namespace, LockSettings settings) {
        super(name, backend, namespace, settings);
    }
}
