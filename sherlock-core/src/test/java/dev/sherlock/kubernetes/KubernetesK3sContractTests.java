package dev.sherlock.kubernetes;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Duration;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import org.jspecify.annotations.Nullable;
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

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (RuntimeException | LinkageError ex) {
            return false;
        }
    }

    private @Nullable K3sContainer k3s;

    private synchronized ApiClient client() {
        if (k3s == null) {
            K3sContainer started = new K3sContainer(IMAGE);
            started.start();
            k3s = started;
            closeAfterAll(started::stop);
        }
        try {
            return Config.fromConfig(new StringReader(k3s.getKubeConfigYaml()));
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot read the kubeconfig of k3s", ex);
        }
    }

    /** In 'default', which k3s has, even when the tests run in a pod whose namespace k3s lacks. */
    private LockBackend inDefault() {
        return KubernetesBackend.builder().client(client()).namespace("default").build();
    }

    @Override
    protected LockBackend createBackend() {
        return inDefault();
    }

    /** Another process: its own client, and its own observations of the Leases. */
    @Override
    protected LockBackend createOtherBackend() {
        return inDefault();
    }

    /** leaseDurationSeconds is whole seconds. */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(1);
    }
}
