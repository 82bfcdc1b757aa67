package dev.sherlock.kubernetes;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The contract suite against a real Kubernetes API server: k3s in Docker, through Testcontainers. Where no Docker
 * engine runs, JUnit reports the whole class as skipped with the reason below; the same suite always runs against
 * the test Lease API server ({@link KubernetesBackendContractTests}).
 */
@EnabledIf(value = "dockerAvailable", disabledReason = "No Docker engine: the Kubernetes contract suite against a real"
        + " k3s (Testcontainers) is skipped. KubernetesBackendContractTests ran it against the test Lease API server")
class KubernetesK3sContractTests extends LockBackendContractTests {

    private static final DockerImageName IMAGE = DockerImageName.parse("rancher/k3s:v1.28.8-k3s1");

    private static K3sContainer k3s;

    private static KubernetesBackend backend;

    private static KubernetesBackend other;

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (RuntimeException | LinkageError ex) {
            return false;
        }
    }

    private static synchronized ApiClient client() {
        if (k3s == null) {
            k3s = new K3sContainer(IMAGE);
            k3s.start();
        }
        try {
            return Config.fromConfig(new StringReader(k3s.getKubeConfigYaml()));
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the kubeconfig of k3s", ex);
        }
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
        }
        if (other != null) {
            other.close();
        }
        if (k3s != null) {
            k3s.stop();
        }
    }

    @Override
    protected LockBackend backend() {
        if (backend == null) {
            backend = KubernetesBackend.of(client());
        }
        return backend;
    }

    /** Another process: its own client, and its own observations of the Leases. */
    @Override
    protected LockBackend otherBackend() {
        if (other == null) {
            other = KubernetesBackend.of(client());
        }
        return other;
    }

    /** leaseDurationSeconds is whole seconds. */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(1);
    }
}
