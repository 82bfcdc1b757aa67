package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.sherlock.Lock;
import dev.sherlock.LockObserver;
import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.file.FileBackend;
import dev.sherlock.file.FileLock;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spring.aop.LockNameTemplate;
import dev.sherlock.spring.observation.LockLossCounter;
import dev.sherlock.spring.observation.LockTagLimit;
import dev.sherlock.spring.observation.ObservationLockObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * With Micrometer's observations and meters, as the actuator configures them, real acquisitions become the
 * {@code sherlock.lock.*} timers and counter with their tags: outcomes, the name template of an annotated method, a
 * timeout, a failure and a loss.
 */
class SherlockObservationTests {

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BootLine.with(BootLine.observationsAndMetrics(),
                BootLine.simpleMetricsExport(), SherlockAutoConfiguration.class,
                SherlockObservationAutoConfiguration.class)));

    private ApplicationContextRunner onFiles() {
        return contextRunner.withPropertyValues("sherlock.file.directory=" + directory);
    }

    @Test
    void anAcquireAndItsHoldAreTimedWithTheBackendTheLockAndTheOutcome() {
        onFiles().run(context -> {
            LockRegistry registry = context.getBean(LockRegistry.class);
            registry.executeLocked("orders", () -> { });
            registry.executeLocked("orders", () -> { });

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get(ObservationLockObserver.ACQUIRE).tag("sherlock.backend", "file")
                    .tag("sherlock.lock", "orders").tag("sherlock.outcome", "acquired").tag("error", "none").timer()
                    .count()).isEqualTo(2);
            assertThat(meters.get(ObservationLockObserver.HELD).tag("sherlock.backend", "file")
                    .tag("sherlock.lock", "orders").tag("error", "none").timer().count()).isEqualTo(2);
            assertThat(meters.get(ObservationLockObserver.HELD).tags("sherlock.lock", "orders").timer().getId()
                    .getTag("sherlock.outcome")).as("a hold has no outcome").isNull();
            assertThat(meters.find(ObservationLockObserver.HELD + ".active").tag("sherlock.lock", "orders")
                    .longTaskTimer()).as("holds under way").isNotNull()
                    .satisfies(active -> assertThat(active.activeTasks()).isZero());
        });
    }

    @Test
    void anAnnotatedMethodIsTaggedWithItsNameTemplateNotTheRenderedNames() {
        onFiles().withUserConfiguration(InvoiceConfiguration.class).run(context -> {
            Invoices invoices = context.getBean(Invoices.class);
            invoices.bill(1);
            invoices.bill(2);
            invoices.bill(3);

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.get(ObservationLockObserver.ACQUIRE).tag("sherlock.lock", "invoice-#{#id}").timer()
                    .count()).isEqualTo(3);
            assertThat(meters.get(ObservationLockObserver.HELD).tag("sherlock.lock", "invoice-#{#id}").timer()
                    .count()).isEqualTo(3);
            assertThat(meters.find(ObservationLockObserver.ACQUIRE).tag("sherlock.lock", "invoice-1").timer())
                    .as("rendered names never become tags").isNull();
        });
    }

    @Test
    void aRefusedAttemptIsNotAcquiredAndAWaitThatRunsOutIsATimeout() {
        onFiles().run(context -> {
            FileLock otherProcess = new FileLock("busy", directory, null,
                    context.getBean(LockRegistry.class).settings());
            otherProcess.acquire();
            try {
                Lock lock = context.getBean(LockRegistry.class).getLock("busy");
                assertThat(lock.tryLock()).isFalse();
                assertThat(lock.tryAcquire(Duration.ofMillis(100))).isFalse();
            }
            finally {
                otherProcess.release();
            }

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(acquires(meters, "busy", "not-acquired").count()).isEqualTo(1);
            Timer timeouts = acquires(meters, "busy", "timeout");
            assertThat(timeouts.count()).isEqualTo(1);
            assertThat(timeouts.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(100);
        });
    }

    @Test
    void aFailingBackendIsAnErrorOutcome() {
        contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                throw new StoreException("file lock of '" + key + "' failed: disk gone");
            }
        }).run(context -> {
            Lock lock = context.getBean(LockRegistry.class).getLock("broken");

            assertThatThrownBy(lock::tryLock).hasMessageContaining("disk gone");

            assertThat(context.getBean(MeterRegistry.class).get(ObservationLockObserver.ACQUIRE)
                    .tag("sherlock.lock", "broken").tag("sherlock.outcome", "error")
                    .tag("error", "LockBackendException").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void aLostLockIsCountedAndEndsItsHoldAndItsRenewalWithTheLoss() {
        contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                super.renew(key, owner, expire);
                // As a lock taken over by another holder: renewal finds it no longer ours.
                return !key.contains("taken");
            }
        }).run(context -> {
            LockRegistry registry = context.getBean(LockRegistry.class);
            Lock kept = registry.getLock("kept", registry.settings().withExpire(Duration.ofMillis(300)));
            Lock taken = registry.getLock("taken", registry.settings().withExpire(Duration.ofMillis(300)));
            kept.acquire();
            taken.acquire();
            MeterRegistry meters = context.getBean(MeterRegistry.class);

            await().atMost(Duration.ofSeconds(10)).until(() -> meters.find(LockLossCounter.NAME).counter() != null);
            await().atMost(Duration.ofSeconds(10)).until(() -> renewals(meters, "kept", "renewed") >= 1);
            assertThat(taken.isHeldByCurrentThread()).isFalse();
            assertThatThrownBy(taken::release).hasMessageContaining("lost");
            kept.release();

            assertThat(meters.get(LockLossCounter.NAME).tag("sherlock.backend", "file").tag("sherlock.lock", "taken")
                    .counter().count()).isEqualTo(1);
            assertThat(meters.find(LockLossCounter.NAME).tag("sherlock.lock", "kept").counter()).isNull();
            assertThat(renewals(meters, "taken", "lost")).isEqualTo(1);
            assertThat(meters.get(ObservationLockObserver.HELD).tag("sherlock.lock", "taken")
                    .tag("error", "LockLostException").timer().count()).isEqualTo(1);
            assertThat(meters.get(ObservationLockObserver.HELD).tag("sherlock.lock", "kept").tag("error", "none")
                    .timer().count()).isEqualTo(1);
        });
    }

    @Test
    void observationsSwitchedOffLeaveNoSherlockMetersButTheLocksWork() {
        onFiles().withPropertyValues("management.observations.enable.sherlock=false").run(context -> {
            context.getBean(LockRegistry.class).executeLocked("quiet", () -> { });

            assertThat(context.getBean(MeterRegistry.class).find(ObservationLockObserver.ACQUIRE).meters()).isEmpty();
            assertThat(context.getBean(MeterRegistry.class).find(ObservationLockObserver.HELD).meters()).isEmpty();
        });
    }

    @Test
    void withoutAnObservationRegistryNothingIsObserved() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                SherlockObservationAutoConfiguration.class))
            .withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
                assertThat(context).doesNotHaveBean(LockObserver.class).doesNotHaveBean(LockLossCounter.class);
                context.getBean(LockRegistry.class).executeLocked("plain", () -> { });
            });
    }

    @Test
    void lossesAreCountedWhenObservationsAreSwitchedOff() {
        ApplicationContextRunner offByProperty = lossyContext()
            .withPropertyValues("management.observations.enable.sherlock=false");
        ApplicationContextRunner noopRegistry = lossyContext()
            .withBean("noopObservations", ObservationRegistry.class, () -> ObservationRegistry.NOOP);
        for (ApplicationContextRunner runner : List.of(offByProperty, noopRegistry)) {
            runner.run(context -> {
                LockRegistry registry = context.getBean(LockRegistry.class);
                Lock taken = registry.getLock("taken", registry.settings().withExpire(Duration.ofMillis(300)));
                taken.acquire();
                await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> !taken.isHeldByCurrentThread());
                assertThatThrownBy(taken::release).hasMessageContaining("lost");

                // The hold is marked lost before the loss is announced (and counted) on the watchdog's thread.
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                        meters.get(LockLossCounter.NAME).tag("sherlock.lock", "taken").counter().count()).isEqualTo(1));
                assertThat(meters.find(ObservationLockObserver.HELD).meters()).isEmpty();
            });
        }
    }

    @Test
    void anErrorOfTheJvmDuringAnAcquireLeavesNoObservationOpenOnTheThread() {
        contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                throw new NoClassDefFoundError("io/lettuce/core/SetArgs");
            }
        }).run(context -> {
            ObservationRegistry observations = context.getBean(ObservationRegistry.class);
            Lock lock = context.getBean(LockRegistry.class).getLock("linkage");

            assertThatThrownBy(lock::tryLock).isInstanceOf(NoClassDefFoundError.class);

            assertThat(observations.getCurrentObservation()).as("the acquire's scope is closed").isNull();
            assertThat(context.getBean(MeterRegistry.class).get(ObservationLockObserver.ACQUIRE)
                    .tag("sherlock.lock", "linkage").tag("sherlock.outcome", "error")
                    .tag("error", "LockBackendException").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void aLockNamedAtRunTimeIsTaggedWithTheTemplateItsAcquireNames() {
        onFiles().run(context -> {
            LockRegistry registry = context.getBean(LockRegistry.class);
            for (int id = 1; id <= 3; id++) {
                Lock lock = registry.getLock("invoice-" + id);
                boolean acquired = LockNameTemplate.whileAcquiring("invoice-{id}", lock::tryLock);
                assertThat(acquired).isTrue();
                lock.release();
            }

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(acquires(meters, "invoice-{id}", "acquired").count()).isEqualTo(3);
            assertThat(meters.find(ObservationLockObserver.ACQUIRE).tag("sherlock.lock", "invoice-1").timer())
                    .isNull();
        });
    }

    @Test
    void locksBeyondTheTagLimitShareTheTagOther() {
        onFiles().withPropertyValues("sherlock.observations.max-lock-tags=2").run(context -> {
            LockRegistry registry = context.getBean(LockRegistry.class);
            for (String name : List.of("a", "b", "c", "d", "a")) {
                registry.executeLocked(name, () -> { });
            }

            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(acquires(meters, "a", "acquired").count()).isEqualTo(2);
            assertThat(acquires(meters, "b", "acquired").count()).isEqualTo(1);
            assertThat(acquires(meters, LockTagLimit.OTHER, "acquired").count()).isEqualTo(2);
            assertThat(meters.get(ObservationLockObserver.HELD).tag("sherlock.lock", LockTagLimit.OTHER).timer()
                    .count()).isEqualTo(2);
            assertThat(meters.find(ObservationLockObserver.ACQUIRE).tag("sherlock.lock", "c").timer()).isNull();
        });
    }

    @Test
    void aTagLimitBelowOneFailsAtStartupNamingTheProperty() {
        onFiles().withPropertyValues("sherlock.observations.max-lock-tags=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("'sherlock.observations.max-lock-tags' must be positive, was 0");
        });
    }

    @Test
    void twoObserverBeansWithoutAPrimaryFailAtStartupSayingWhatToDo() {
        onFiles().withBean("first", LockObserver.class, () -> LockObserver.NONE)
            .withBean("second", LockObserver.class, () -> LockObserver.NONE).run(context -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("2 LockObserver beans")
                        .hasMessageContaining("first").hasMessageContaining("@Primary");
            });
    }

    private ApplicationContextRunner lossyContext() {
        return contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                super.renew(key, owner, expire);
                return false;
            }
        });
    }

    private static Timer acquires(MeterRegistry meters, String lock, String outcome) {
        return meters.get(ObservationLockObserver.ACQUIRE).tag("sherlock.lock", lock)
                .tag("sherlock.outcome", outcome).timer();
    }

    private static long renewals(MeterRegistry meters, String lock, String outcome) {
        Timer timer = meters.find(ObservationLockObserver.RENEW).tag("sherlock.lock", lock)
                .tag("sherlock.outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    @Configuration(proxyBeanMethods = false)
    static class InvoiceConfiguration {

        @Bean
        Invoices invoices() {
            return new Invoices();
        }
    }

    static class Invoices {

        @DistributedLock(name = "invoice-#{#id}")
        public void bill(long id) {
        }
    }
}
