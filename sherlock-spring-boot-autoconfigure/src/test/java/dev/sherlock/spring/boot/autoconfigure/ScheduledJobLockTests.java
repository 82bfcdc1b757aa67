package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.file.FileBackend;
import dev.sherlock.spring.scheduling.ScheduledJobLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code @Scheduled} job with {@link ScheduledJobLock} on several nodes (application contexts sharing a backend)
 * runs once per tick; a minimum hold keeps late nodes out after an early return, and a maximum hold frees the lock of
 * a run that hangs.
 */
class ScheduledJobLockTests {

    /** Which nodes ran each tick (the wall-clock second the run started in), for the running test. */
    static final Map<Long, List<String>> runs = new ConcurrentHashMap<>();

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BootLine.redis(), SherlockAutoConfiguration.class));

    @ParameterizedTest
    @ValueSource(strings = { "file", "redis", "etcd" })
    void twoNodesOnOneBackendRunEachTickExactlyOnce(String backend) {
        runs.clear();
        ApplicationContextRunner node = contextRunner.withUserConfiguration(TickConfiguration.class)
            .withPropertyValues(TestBackends.properties(backend, directory))
            .withPropertyValues("sherlock.namespace=ticks-" + UUID.randomUUID());

        node.withPropertyValues("node=a").run(a -> node.withPropertyValues("node=b").run(b -> {
            assertThat(a).hasNotFailed();
            assertThat(b).hasNotFailed();
            await().atMost(Duration.ofSeconds(20)).until(() -> runs.size() >= 5);
        }));

        assertThat(runs).as("nodes that ran each tick").allSatisfy((tick, nodes) -> assertThat(nodes).hasSize(1));
    }

    @Test
    void aRunThatHangsLosesTheLockAfterItsMaximumHold() throws Exception {
        contextRunner.withUserConfiguration(HangingConfiguration.class)
            .withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
                Hanging job = context.getBean(Hanging.class);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread run = new Thread(() -> {
                    try {
                        job.hang();
                    }
                    catch (Throwable ex) {
                        failure.set(ex);
                    }
                });
                run.start();
                assertThat(Hanging.started.await(10, TimeUnit.SECONDS)).isTrue();
                Lock other = LockRegistry.of(FileBackend.of(directory), null,
                        context.getBean(LockRegistry.class).settings()).getLock("hanging");
                assertThat(other.tryLock()).as("held while the run is young").isFalse();

                long waited = System.nanoTime();
                await().pollInSameThread().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(other::tryLock);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - waited)).isLessThan(5000);
                assertThat(run.isAlive()).as("the run still hangs, yet others have the lock").isTrue();
                other.release();
                Hanging.finish.countDown();
                run.join(10_000);
                assertThat(failure.get()).as("the hung run learns its lock was lost")
                        .isInstanceOf(LockLostException.class);
            });
    }

    @Test
    void aMinimumHoldLongerThanTheMaximumFailsAtStartupNamingTheMethod() {
        contextRunner.withUserConfiguration(TooLongConfiguration.class)
            .withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
                assertThat(context).hasFailed();
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                        .isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("TooLong.run()").hasMessageContaining("'holdAtLeast' PT1M")
                        .hasMessageContaining("longer than the lock's expiry PT10S ('holdAtMost')");
            });
    }

    @Test
    void aMinimumHoldOnALockThatNeverExpiresFailsAtStartup() {
        contextRunner.withUserConfiguration(NeverExpiresConfiguration.class)
            .withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
                assertThat(context).hasFailed();
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                        .isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("NeverExpires.run()").hasMessageContaining("never expires");
            });
    }

    @Test
    void expireAndAMaximumHoldTogetherFailAtStartup() {
        contextRunner.withUserConfiguration(BothConfiguration.class)
            .withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
                assertThat(context).hasFailed();
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                        .isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("Both.run()").hasMessageContaining("'expire' and 'holdAtMost'");
            });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    static class TickConfiguration {

        @Bean
        Tick tick(@Value("${node}") String node) {
            return new Tick(node);
        }
    }

    static class Tick {

        private final String node;

        Tick(String node) {
            this.node = node;
        }

        @Scheduled(cron = "* * * * * *")
        @ScheduledJobLock(name = "tick", holdAtLeast = "800ms")
        public void run() {
            runs.computeIfAbsent(System.currentTimeMillis() / 1000, second -> new CopyOnWriteArrayList<>())
                    .add(node);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class HangingConfiguration {

        @Bean
        Hanging hanging() {
            return new Hanging();
        }
    }

    static class Hanging {

        static final CountDownLatch started = new CountDownLatch(1);

        static final CountDownLatch finish = new CountDownLatch(1);

        @ScheduledJobLock(name = "hanging", holdAtMost = "1s")
        public void hang() throws InterruptedException {
            started.countDown();
            finish.await(30, TimeUnit.SECONDS);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TooLongConfiguration {

        @Bean
        TooLong tooLong() {
            return new TooLong();
        }
    }

    static class TooLong {

        @ScheduledJobLock(name = "too-long", holdAtLeast = "1m", holdAtMost = "10s")
        public void run() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NeverExpiresConfiguration {

        @Bean
        NeverExpires neverExpires() {
            return new NeverExpires();
        }
    }

    static class NeverExpires {

        @DistributedLock(name = "forever", expire = "0", holdAtLeast = "1s")
        public void run() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BothConfiguration {

        @Bean
        Both both() {
            return new Both();
        }
    }

    static class Both {

        @DistributedLock(name = "both", expire = "1m", holdAtMost = "10s")
        public void run() {
        }
    }
}
