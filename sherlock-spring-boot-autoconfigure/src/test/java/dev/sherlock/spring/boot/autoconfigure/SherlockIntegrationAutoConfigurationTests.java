package dev.sherlock.spring.boot.autoconfigure;

import java.util.concurrent.locks.Lock;

import dev.sherlock.LockRegistry;
import dev.sherlock.spring.integration.SpringIntegrationLockRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.DefaultLockRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Spring Integration present, the Sherlock registry is also Spring Integration's {@code LockRegistry}, unless
 * the application has one; without Spring Integration, nothing changes.
 */
class SherlockIntegrationAutoConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                SherlockIntegrationAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=memory");

    @Test
    void springIntegrationsLockRegistryHandsOutSherlocksLocks() {
        contextRunner.run(context -> {
            assertThat(context).hasSingleBean(SpringIntegrationLockRegistry.class);
            org.springframework.integration.support.locks.LockRegistry<?> locks = context
                .getBean(org.springframework.integration.support.locks.LockRegistry.class);
            Lock lock = locks.obtain("orders");
            assertThat(lock.tryLock()).isTrue();
            assertThat(context.getBean(LockRegistry.class).getLock("orders").isHeldByCurrentThread()).isTrue();
            lock.unlock();
            assertThat(context.getBean(LockRegistry.class).getLock("orders").locked()).isFalse();
        });
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
