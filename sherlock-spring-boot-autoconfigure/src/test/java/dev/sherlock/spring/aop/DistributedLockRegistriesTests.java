package dev.sherlock.spring.aop;

import java.nio.file.Path;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.file.FileBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several registries side by side: an annotation names the one it uses, the only or primary one serves the others,
 * and a name that is not a registry, or an ambiguous choice, fails at startup naming the method.
 */
class DistributedLockRegistriesTests {

    @TempDir
    static Path directory;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withUserConfiguration(PostProcessor.class);

    @Test
    void anAnnotationNamingARegistryTakesItsLockThereAndTheOthersUseThePrimary() {
        runner.withUserConfiguration(TwoRegistries.class, Primaries.class, Jobs.class).run(context -> {
            Jobs jobs = context.getBean(Jobs.class);
            LockRegistry main = context.getBean("main", LockRegistry.class);
            LockRegistry audit = context.getBean("audit", LockRegistry.class);

            assertThat(jobs.onAudit(audit)).isTrue();
            assertThat(jobs.onAudit(main)).isFalse();
            assertThat(jobs.onPrimary(main)).isTrue();
            assertThat(jobs.onPrimary(audit)).isFalse();
        });
    }

    @Test
    void aRegistryNameThatIsNoRegistryFailsAtStartup() {
        runner.withUserConfiguration(TwoRegistries.class, Primaries.class, Misnamed.class).run(context ->
                assertThat(context).hasFailed().getFailure()
                        .isInstanceOf(LockConfigurationException.class)
                        .hasMessageStartingWith("@DistributedLock on DistributedLockRegistriesTests.Misnamed.run():"
                                + " 'registry' is 'auditt', which is not a LockRegistry bean"));
    }

    @Test
    void severalRegistriesWithNonePrimaryFailAtStartupForAnAnnotationNamingNone() {
        runner.withUserConfiguration(TwoRegistries.class, Unnamed.class).run(context ->
                assertThat(context).hasFailed().getFailure()
                        .isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("@DistributedLock on DistributedLockRegistriesTests.Unnamed.run():"
                                + " no single LockRegistry to use")
                        .hasMessageContaining("Mark one registry @Primary, or name one with"
                                + " @DistributedLock(registry = ...)"));
    }

    @Configuration(proxyBeanMethods = false)
    static class PostProcessor {

        @Bean
        static DistributedLockBeanPostProcessor distributedLockBeanPostProcessor(ObjectProvider<LockRegistry> registry) {
            DistributedLockBeanPostProcessor processor = new DistributedLockBeanPostProcessor(registry::getObject);
            processor.setProxyTargetClass(true);
            return processor;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoRegistries {

        @Bean
        LockRegistry orders() {
            return LockRegistry.of(FileBackend.of(directory.resolve("orders")));
        }

        @Bean
        LockRegistry audit() {
            return LockRegistry.of(FileBackend.of(directory.resolve("audit")));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Primaries {

        @Bean
        @Primary
        LockRegistry main() {
            return LockRegistry.of(FileBackend.of(directory.resolve("main")));
        }
    }

    static class Jobs {

        /** Whether {@code registry} holds the lock this method runs under. */
        @DistributedLock(name = "report", registry = "audit")
        public boolean onAudit(LockRegistry registry) {
            return registry.getLock("report").isHeldByCurrentThread();
        }

        /** Whether {@code registry} holds the lock this method runs under. */
        @DistributedLock(name = "report")
        public boolean onPrimary(LockRegistry registry) {
            return registry.getLock("report").isHeldByCurrentThread();
        }
    }

    static class Misnamed {

        @DistributedLock(name = "report", registry = "auditt")
        public void run() {
        }
    }

    static class Unnamed {

        @DistributedLock(name = "report")
        public void run() {
        }
    }
}
