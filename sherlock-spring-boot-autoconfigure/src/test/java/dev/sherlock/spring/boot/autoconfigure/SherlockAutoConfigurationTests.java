package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.file.FileBackend;
import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spring.aop.DistributedLockBeanPostProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class SherlockAutoConfigurationTests {

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class));

    @Test
    void fileBackendIsTheDefault() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
            assertThat(context).hasSingleBean(LockRegistry.class).hasSingleBean(FileBackend.class);
            assertThat(context.getBean(FileBackend.class).directory()).isEqualTo(directory.toAbsolutePath());
            try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                assertThat(lock.isHeldByCurrentThread()).isTrue();
                assertThat(Files.list(directory)).isNotEmpty();
            }
        });
    }

    @Test
    void memoryBackendLocksInThisJvmForAnApplicationsTests(CapturedOutput output) {
        contextRunner.withPropertyValues("sherlock.backend=memory", "sherlock.namespace=billing").run(context -> {
            assertThat(context).hasSingleBean(MemoryBackend.class).doesNotHaveBean(FileBackend.class);
            MemoryBackend backend = context.getBean(MemoryBackend.class);
            try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                assertThat(lock.fencingToken()).isEqualTo(1);
                assertThat(backend.isLocked(backend.key("billing", "orders"))).isTrue();
            }
            assertThat(backend.isLocked(backend.key("billing", "orders"))).isFalse();
        });
        assertThat(output).contains("Sherlock memory backend: locks live in this JVM").doesNotContain(" WARN ");
    }

    @Test
    void fileDirectoryDefaultsToPerUserDirectoryInTemporaryDirectory() {
        contextRunner.run(context -> assertThat(context.getBean(FileBackend.class).directory())
            .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "sherlock-" + System.getProperty("user.name"))));
    }

    @Test
    void fileDirectoryOthersCanWriteFailsAtStartupUnlessSharedAndSticky() throws Exception {
        Path shared = Files.createDirectory(directory.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 0777);
        contextRunner.withPropertyValues("sherlock.file.directory=" + shared)
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessageContaining("mode 0777) is writable by group or others")
                .hasMessageContaining("sherlock.file.shared-directory=true"));
        Files.setAttribute(shared, "unix:mode", 01777);
        contextRunner.withPropertyValues("sherlock.file.directory=" + shared, "sherlock.file.shared-directory=true")
            .run(context -> {
                context.getBean(LockRegistry.class).executeLocked("orders", () -> { });
                assertThat(context.getBean(FileBackend.class)).hasToString("FileBackend (" + shared + ", shared)");
            });
    }

    @Test
    void expireTheBackendCannotHonourFailsAtStartupNamingTheProperty() {
        contextRunner.withPropertyValues("sherlock.expire=500ms")
            .withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
                @Override
                public String unsupportedExpire(java.time.Duration expire) {
                    return "is shorter than the 1 s this store can keep; use at least 1s";
                }
            })
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("'sherlock.expire' PT0.5S is shorter than the 1 s this store can keep; use at least 1s"
                        + " (backend file)"));
    }

    @Test
    void annotationExpireTheBackendCannotHonourFailsAtStartupNamingTheMethod() {
        contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
                @Override
                public String unsupportedExpire(java.time.Duration expire) {
                    return expire.compareTo(java.time.Duration.ofSeconds(1)) < 0
                            ? "is shorter than the 1 s this store can keep; use at least 1s" : null;
                }
            })
            .withBean(Hourly.class)
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("@DistributedLock on SherlockAutoConfigurationTests.Hourly.run(): 'expire' PT0.5S is"
                        + " shorter than the 1 s this store can keep; use at least 1s"));
    }

    @Test
    void unusableFileDirectoryFailsAtStartup() throws Exception {
        Path file = Files.createFile(directory.resolve("not-a-directory"));
        contextRunner.withPropertyValues("sherlock.file.directory=" + file)
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessage("Backend file: 'directory' " + file + " cannot be created: " + file
                        + ". Choose a writable directory"));
    }

    @Test
    void fileBackendLogsItsSingleMachineScopeOnce(CapturedOutput output) {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
            context.getBean(LockRegistry.class).executeLocked("orders", () -> { });
            String message = "Sherlock file backend: locks are files in " + directory.toAbsolutePath()
                    + ". They exclude the processes of this machine only; use the redis, memcached, etcd or"
                    + " kubernetes backend to exclude processes on other machines";
            assertThat(output.getOut().split(message, -1)).hasSize(2);
            assertThat(output.getOut()).contains("INFO");
        });
    }

    @Test
    void userDefinedBackendReplacesFileBackend() throws Exception {
        Path userDirectory = Files.createDirectory(directory.resolve("user"));
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory)
            .withBean("myBackend", LockBackend.class, () -> FileBackend.of(userDirectory))
            .run(context -> {
                assertThat(context).hasSingleBean(LockBackend.class).hasBean("myBackend");
                context.getBean(LockRegistry.class).executeLocked("orders", () -> { });
                assertThat(Files.list(userDirectory)).isNotEmpty();
                assertThat(Files.list(directory)).containsExactly(userDirectory);
            });
    }

    @Test
    void userDefinedBackendWinsOverBackendWithoutClient() {
        contextRunner.withClassLoader(new FilteredClassLoader("io.etcd.jetcd"))
            .withPropertyValues("sherlock.backend=etcd")
            .withBean(LockBackend.class, () -> FileBackend.of(directory))
            .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LockRegistry.class));
    }

    @Test
    void userDefinedRegistryReplacesRegistryAndBackend() {
        LockRegistry mine = LockRegistry.of(FileBackend.of(directory));
        contextRunner.withClassLoader(new FilteredClassLoader("io.etcd.jetcd"))
            .withPropertyValues("sherlock.backend=etcd")
            .withBean(LockRegistry.class, () -> mine)
            .run(context -> {
                assertThat(context).hasSingleBean(LockRegistry.class).doesNotHaveBean(LockBackend.class);
                assertThat(context.getBean(LockRegistry.class)).isSameAs(mine);
            });
    }

    @Test
    void annotatedBeansGetClassProxiesByDefault() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory)
            .withBean(Jobs.class, Nightly::new)
            .run(context -> {
                assertThat(AopUtils.isCglibProxy(context.getBean(Jobs.class))).isTrue();
                assertThat(context.getBean(Jobs.class).run()).isTrue();
            });
    }

    @Test
    void annotatedBeansGetInterfaceProxiesWhenProxyTargetClassIsOff() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory, "spring.aop.proxy-target-class=false")
            .withBean(Jobs.class, Nightly::new)
            .run(context -> {
                assertThat(AopUtils.isJdkDynamicProxy(context.getBean(Jobs.class))).isTrue();
                assertThat(context.getBean(Jobs.class).run()).isTrue();
            });
    }

    @Test
    void userDefinedPostProcessorReplacesAutoConfiguredOne() {
        DistributedLockBeanPostProcessor mine = new DistributedLockBeanPostProcessor(() -> {
            throw new IllegalStateException("not used");
        });
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory)
            .withBean(DistributedLockBeanPostProcessor.class, () -> mine)
            .run(context -> assertThat(context).getBean(DistributedLockBeanPostProcessor.class).isSameAs(mine));
    }

    @Test
    void postProcessorDoesNotInitialiseRegistryOrBackendEarly() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory)
            .withUserConfiguration(RecordingPostProcessorConfiguration.class)
            .run(context -> assertThat(context.getBean(RecordingPostProcessor.class).processed)
                .contains("sherlockLockRegistry", "sherlockFileBackend"));
    }

    @Test
    void autoConfigurationAndFailureAnalyzerAreRegistered() {
        ClassLoader classLoader = getClass().getClassLoader();
        assertThat(ImportCandidates.load(AutoConfiguration.class, classLoader))
            .contains(SherlockAutoConfiguration.class.getName());
        // Boot's own analyzers need constructor arguments: skip those, only ours matters here.
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation(classLoader)
            .load(FailureAnalyzer.class, null, (type, implementation, failure) -> { }))
            .hasAtLeastOneElementOfType(BackendNotAvailableFailureAnalyzer.class);
    }

    interface Jobs {

        boolean run();
    }

    static class Nightly implements Jobs {

        @Override
        @DistributedLock(name = "nightly", timeout = "0")
        public boolean run() {
            return true;
        }
    }

    @Test
    void twoBackendBeansWithNonePrimaryFailAtStartupSayingWhatToDo() {
        contextRunner.withBean("ordersBackend", LockBackend.class, () -> FileBackend.of(directory.resolve("a")))
            .withBean("auditBackend", LockBackend.class, () -> FileBackend.of(directory.resolve("b")))
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("There are 2 LockBackend beans [ordersBackend, auditBackend] and none is @Primary")
                .hasMessageContaining("@DistributedLock(registry = \"...\")"));
    }

    static class Hourly {

        @DistributedLock(name = "hourly", expire = "500ms")
        public void run() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class RecordingPostProcessorConfiguration {

        @Bean
        static RecordingPostProcessor recordingPostProcessor() {
            return new RecordingPostProcessor();
        }
    }

    /** Sees only beans created after all post-processors were registered. */
    static class RecordingPostProcessor implements BeanPostProcessor {

        final Set<String> processed = new HashSet<>();

        @Override
        public Object postProcessBeforeInitialization(Object bean, String beanName) {
            processed.add(beanName);
            return bean;
        }
    }
}
