package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.memcached.MemcachedBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class MemcachedBackendConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=memcached");

    private static String servers() {
        LocalServer memcached = TestServers.memcached();
        return memcached.host() + ":" + memcached.port();
    }

    @Test
    void serversPropertyConfiguresABackendThatLocksOnTheServer() {
        contextRunner.withPropertyValues("sherlock.memcached.servers=" + servers(), "sherlock.namespace=spring")
            .run(context -> {
                assertThat(context).hasSingleBean(MemcachedBackend.class).hasSingleBean(LockRegistry.class);
                LockRegistry registry = context.getBean(LockRegistry.class);
                try (Lock lock = registry.acquire("memcached-configured")) {
                    assertThat(lock.fencingToken()).isPositive();
                    assertThat(registry.getLock("memcached-configured").locked()).isTrue();
                }
                assertThat(registry.getLock("memcached-configured").locked()).isFalse();
            });
    }

    @Test
    void applicationClientIsUsedAndLeftOpenWhenTheContextCloses() {
        MemcachedClient client = MemcachedBackend.createClient(servers());
        try {
            contextRunner.withBean(MemcachedClient.class, () -> client, definition -> definition.setDestroyMethodName(""))
                .run(context -> {
                    assertThat(context).hasSingleBean(MemcachedBackend.class);
                    context.getBean(LockRegistry.class).executeLocked("memcached-client", () -> {
                    });
                });
            assertThat(client.set("still-open", 10, "yes").get()).isTrue();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
        finally {
            client.shutdown();
        }
    }

    @Test
    void userDefinedBackendWins() {
        contextRunner.withUserConfiguration(OwnBackend.class).run(context -> {
            assertThat(context).hasSingleBean(MemcachedBackend.class);
            assertThat(context.getBean(MemcachedBackend.class)).isSameAs(context.getBean("ownBackend"));
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnBackend {

        @Bean
        MemcachedBackend ownBackend() {
            return MemcachedBackend.builder().servers(servers()).build();
        }
    }
}
