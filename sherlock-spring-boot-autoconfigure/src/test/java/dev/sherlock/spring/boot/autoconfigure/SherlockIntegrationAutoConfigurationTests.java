package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;

import dev.sherlock.LockRegistry;
import dev.sherlock.spring.integration.SpringIntegrationLockRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ResolvableType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;
import org.springframework.integration.support.locks.DefaultLockRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Spring Integration present, the Sherlock registry is also Spring Integration's {@code LockRegistry}, unless
 * the application has one; without Spring Integration, nothing changes.
 */
class SherlockIntegrationAutoConfigurationTests {

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                SherlockIntegrationAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=memory");

    @Test
    @SuppressWarnings("rawtypes") // generic on Spring Integration 7 (Boot 4), not on 6.5 (Boot 3.5)
    void springIntegrationsLockRegistryHandsOutSherlocksLocks() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(SpringIntegrationLockRegistry.class);
            org.springframework.integration.support.locks.LockRegistry locks = context
                .getBean(org.springframework.integration.support.locks.LockRegistry.class);
            Lock lock = locks.obtain("orders");
            assertThat(lock.tryLock()).isTrue();
            assertThat(context.getBean(LockRegistry.class).getLock("orders").isHeldByCurrentThread()).isTrue();
            lock.unlock();
            assertThat(context.getBean(LockRegistry.class).getLock("orders").locked()).isFalse();
        });
    }

    @ParameterizedTest
    @ValueSource(strings = { "file", "redis", "etcd" })
    void springIntegrationsLeaderInitiatorElectsOneOfThreeApplicationsAndHandsOverOnShutdown(String backend) {
        ApplicationContextRunner node = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BootLine.redis(), SherlockAutoConfiguration.class,
                    SherlockIntegrationAutoConfiguration.class))
            .withPropertyValues(TestBackends.properties(backend, directory))
            .withPropertyValues("sherlock.namespace=initiators-" + UUID.randomUUID())
            .withUserConfiguration(InitiatorConfiguration.class);
        List<ConfigurableApplicationContext> nodes = new CopyOnWriteArrayList<>();
        node.run(a -> node.run(b -> node.run(c -> {
            nodes.addAll(List.of(a.getSourceApplicationContext(), b.getSourceApplicationContext(),
                    c.getSourceApplicationContext()));
            await().atMost(Duration.ofSeconds(20)).until(() -> leaders(nodes).size() == 1);
            ConfigurableApplicationContext leader = leaders(nodes).get(0);
            long closed = System.nanoTime();
            leader.close();
            nodes.remove(leader);

            await().atMost(Duration.ofSeconds(20)).until(() -> leaders(nodes).size() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - closed)).as("handed over, not left to expire")
                    .isLessThan(Duration.ofSeconds(30));
        })));
    }

    private static List<ConfigurableApplicationContext> leaders(List<ConfigurableApplicationContext> nodes) {
        return nodes.stream()
            .filter(node -> node.getBean(LockRegistryLeaderInitiator.class).getContext().isLeader()).toList();
    }

    @Configuration(proxyBeanMethods = false)
    static class InitiatorConfiguration {

        @Bean
        @SuppressWarnings("rawtypes") // generic on Spring Integration 7 (Boot 4), not on 6.5 (Boot 3.5)
        LockRegistryLeaderInitiator leaderInitiator(
                org.springframework.integration.support.locks.LockRegistry locks) {
            LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(locks,
                    new DefaultCandidate(UUID.randomUUID().toString(), "exporter"));
            initiator.setHeartBeatMillis(100);
            initiator.setBusyWaitMillis(50);
            return initiator;
        }
    }

    @Test
    void theBridgesGenericTypeResolvesOnThisSpringIntegrationLine() {
        // Spring Integration 6.5's LockRegistry has no type parameter, 7's has one: the bridge's declared supertypes
        // must resolve on both, or Spring's generic type matching throws MalformedParameterizedTypeException.
        assertThat(SpringIntegrationLockRegistry.class.getGenericInterfaces()).hasSize(3);
        assertThat(ResolvableType.forClass(SpringIntegrationLockRegistry.class)
            .as(org.springframework.integration.support.locks.LockRegistry.class)
            .toClass()).isEqualTo(org.springframework.integration.support.locks.LockRegistry.class);
        if (BootLine.BOOT_4) {
            // Injection by Spring Integration 7's generic type still finds the bridge.
            contextRunner.run(context -> assertThat(context.getBeanProvider(ResolvableType.forClassWithGenerics(
                    org.springframework.integration.support.locks.LockRegistry.class, Lock.class)).getObject())
                .isInstanceOf(SpringIntegrationLockRegistry.class));
        }
    }

    @Test
    void theApplicationsOwnIntegrationLockRegistryWins() {
        contextRunner.withBean(DefaultLockRegistry.class, DefaultLockRegistry::new)
            .run(context -> assertThat(context).doesNotHaveBean(SpringIntegrationLockRegistry.class)
                .hasSingleBean(DefaultLockRegistry.class));
    }

    @Test
    void withoutSpringIntegrationThereIsNoBridge() {
        contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.integration"))
            .run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(SpringIntegrationLockRegistry.class).hasSingleBean(LockRegistry.class));
    }
}
