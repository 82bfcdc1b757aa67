package dev.sherlock.kubernetes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.testserver.LeaseApiServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Where the Leases go without a configured namespace: the pod's own, from the service account's namespace file, else
 * {@value KubernetesBackend#DEFAULT_NAMESPACE}.
 */
class KubernetesBackendNamespaceTests {

    private static LeaseApiServer server;

    @TempDir
    Path directory;

    @BeforeAll
    static void start() {
        server = LeaseApiServer.start();
        server.createNamespace("billing");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private Path namespaceFile(String content) throws IOException {
        return Files.writeString(directory.resolve("namespace"), content);
    }

    private KubernetesBackend.Builder builder(Path namespaceFile) {
        return KubernetesBackend.builder().client(server.client()).namespaceFile(namespaceFile);
    }

    @Test
    void withoutNamespaceLeasesGoToTheNamespaceTheServiceAccountFileNames() throws IOException {
        try (KubernetesBackend backend = builder(namespaceFile("billing\n")).build()) {
            assertThat(backend.namespace()).isEqualTo("billing");
            assertThat(backend.tryAcquire("sherlock.orders", "owner", null).acquired()).isTrue();
            assertThat(server.lease("billing", "sherlock.orders")).isNotNull();
            assertThat(server.lease("default", "sherlock.orders")).isNull();
        }
    }

    @Test
    void withoutNamespaceOrServiceAccountFileLeasesGoToDefault() {
        try (KubernetesBackend backend = builder(directory.resolve("missing")).build()) {
            assertThat(backend.namespace()).isEqualTo(KubernetesBackend.DEFAULT_NAMESPACE).isEqualTo("default");
        }
    }

    @Test
    void aNullNamespaceMeansTheDefaultToo() throws IOException {
        try (KubernetesBackend backend = builder(namespaceFile("billing")).namespace(null).build()) {
            assertThat(backend.namespace()).isEqualTo("billing");
        }
    }

    @Test
    void aConfiguredNamespaceWinsOverTheServiceAccountFile() throws IOException {
        try (KubernetesBackend backend = builder(namespaceFile("billing")).namespace("default").build()) {
            assertThat(backend.namespace()).isEqualTo("default");
        }
    }

    @Test
    void aBlankServiceAccountFileMeansDefault() throws IOException {
        try (KubernetesBackend backend = builder(namespaceFile(" \n\t")).build()) {
            assertThat(backend.namespace()).isEqualTo("default");
        }
    }

    @Test
    void aDirectoryInPlaceOfTheServiceAccountFileMeansDefault() {
        try (KubernetesBackend backend = builder(directory).build()) {
            assertThat(backend.namespace()).isEqualTo("default");
        }
    }

    @Test
    void aHugeServiceAccountFileIsReadOnlyInPartAndRefusedAsNoNamespace() throws IOException {
        Path file = namespaceFile("a".repeat(1_000_000));
        assertThatThrownBy(() -> builder(file).build()).isInstanceOf(LockConfigurationException.class)
            .hasMessageContaining("which is not a valid Kubernetes namespace")
            .satisfies(refusal -> assertThat(refusal.getMessage()).hasSizeLessThan(1_000));
    }

    @Test
    void anInvalidNamespaceInTheServiceAccountFileFailsNamingTheFileAndTheValue() throws IOException {
        Path file = namespaceFile("Billing_Locks\n");
        assertThatThrownBy(() -> builder(file).build()).isInstanceOf(LockConfigurationException.class)
            .hasMessage("Backend kubernetes: no namespace is configured, and the service account namespace file "
                    + file + " holds 'Billing_Locks', which is not a valid Kubernetes namespace (a DNS-1123 label),"
                    + " so the Lease objects have no namespace. Configure the namespace explicitly"
                    + " (sherlock.kubernetes.namespace)");
    }

    @Test
    void anInvalidServiceAccountFileDoesNotMatterWhenANamespaceIsConfigured() throws IOException {
        try (KubernetesBackend backend = builder(namespaceFile("Billing_Locks")).namespace("billing").build()) {
            assertThat(backend.namespace()).isEqualTo("billing");
        }
    }

    @Test
    void theDefaultFileIsTheServiceAccountNamespaceKubernetesMounts() {
        assertThat(ServiceAccountNamespace.FILE)
            .isEqualTo(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace"));
    }
}
