package dev.sherlock.spring.boot.autoconfigure;

import java.util.concurrent.TimeUnit;

import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class EtcdBackendConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=etcd");

    private static String endpoint() {
        LocalServer etcd = TestServers.etcd();
        return "http://" + etcd.host() + ":" + etcd.port();
    }

    @Test
    void endpointsPropertyConfiguresABackendThatLocksOnTheServer() {
        contextRunner.withPropertyValues("sherlock.etcd.endpoints=" + endpoint(), "sherlock.etcd.request-timeout=3s")
            .run(context -> {
                assertThat(context).hasSingleBean(EtcdBackend.class);
                LockRegistry registry = context.getBean(LockRegistry.class);
                try (Lock lock = registry.acquire("etcd-configured")) {
                    assertThat(lock.fencingToken()).isPositive();
                    assertThat(registry.getLock("etcd-configured").locked()).isTrue();
                }
                assertThat(registry.getLock("etcd-configured").locked()).isFalse();
            });
    }

    @Test
    void applicationClientIsUsedAndLeftOpenWhenTheContextCloses() throws Exception {
        try (Client client = Client.builder().endpoints(endpoint()).build()) {
            contextRunner.withBean(Client.class, () -> client, definition -> definition.setDestroyMethodName(""))
                .run(context -> {
                    assertThat(context).hasSingleBean(EtcdBackend.class);
                    context.getBean(LockRegistry.class).executeLocked("etcd-client", () -> {
                    });
                });
            ByteSequence key = ByteSequence.from("still-open".getBytes());
            assertThat(client.getKVClient().put(key, key).get(30, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void malformedEndpointFailsAtStartupNamingTheField() {
        contextRunner.withPropertyValues("sherlock.etcd.endpoints=not a url")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend etcd: 'endpoints'"));
    }

    @Test
    void expireBelowTheMinimumLeaseTtlFailsAtStartupNamingTheProperty() {
        contextRunner.withPropertyValues("sherlock.etcd.endpoints=" + endpoint(), "sherlock.expire=3s",
                "sherlock.etcd.minimum-lease-ttl=5s")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("'sherlock.expire' PT3S is shorter than")
                .hasMessageContaining("use at least 5s")
                .hasMessageEndingWith("(backend etcd)"));
    }
}
