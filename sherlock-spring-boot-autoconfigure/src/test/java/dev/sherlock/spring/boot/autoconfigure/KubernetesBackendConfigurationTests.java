package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.kubernetes.KubernetesBackend;
import dev.sherlock.testserver.LeaseApiServer;
import io.kubernetes.client.openapi.ApiClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class KubernetesBackendConfigurationTests {

    private static LeaseApiServer server;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=kubernetes");

    @BeforeAll
    static void startServer() {
        server = LeaseApiServer.start();
        server.createNamespace("locks");
        server.createNamespace("restricted");
        server.deny("restricted", "update");
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Test
    void applicationApiClientStoresLeasesInTheConfiguredNamespace() {
        contextRunner.withBean(ApiClient.class, server::client)
            .withPropertyValues("sherlock.kubernetes.namespace=locks", "sherlock.namespace=billing")
            .run(context -> {
                assertThat(context).hasSingleBean(KubernetesBackend.class);
                LockRegistry registry = context.getBean(LockRegistry.class);
                try (Lock lock = registry.acquire("orders")) {
                    assertThat(lock.fencingToken()).isPositive();
                    assertThat(server.leases("locks")).singleElement()
                        .satisfies(lease -> assertThat(lease.getAsJsonObject("spec").get("holderIdentity"))
                            .isNotNull());
                }
            });
    }

    @Test
    void invalidKubernetesNamespaceFailsAtStartupNamingIt() {
        contextRunner.withBean(ApiClient.class, server::client)
            .withPropertyValues("sherlock.kubernetes.namespace=Not_A_Namespace")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("Not_A_Namespace"));
    }

    @Test
    void withoutANamespaceTheLeasesGoToThePodsOwnOrDefault() throws Exception {
        Path serviceAccount = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
        String expected = Files.isReadable(serviceAccount) && !Files.readString(serviceAccount).isBlank()
                ? Files.readString(serviceAccount).strip() : "default";
        contextRunner.withBean(ApiClient.class, server::client)
            .run(context -> assertThat(context.getBean(KubernetesBackend.class).namespace()).isEqualTo(expected));
    }

    @Test
    void aVerbTheServiceAccountMayNotUseFailsStartupNamingItAndTheNamespace() {
        contextRunner.withBean(ApiClient.class, server::client)
            .withPropertyValues("sherlock.kubernetes.namespace=restricted")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("'restricted'")
                .hasMessageContaining("update"));
    }

    @Test
    void withTheCheckOffADeniedVerbFailsOnlyTheLocksThatNeedIt() {
        contextRunner.withBean(ApiClient.class, server::client)
            .withPropertyValues("sherlock.kubernetes.namespace=restricted", "sherlock.check-access=false")
            .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LockRegistry.class));
    }

    @Test
    void withoutAnApiClientBeanTheStandardClientConfigurationIsUsed() {
        // Without the check: the standard configuration may point at a real cluster on a developer's machine.
        contextRunner.withPropertyValues("sherlock.check-access=false").run(context -> assertThat(context).hasSingleBean(KubernetesBackend.class)
            .hasSingleBean(LockRegistry.class));
    }
}
