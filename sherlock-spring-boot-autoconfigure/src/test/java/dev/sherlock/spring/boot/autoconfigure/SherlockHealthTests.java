package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import dev.sherlock.file.FileBackend;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spring.health.SherlockHealthIndicator;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code sherlock} health indicator: UP while the backend answers its probe, DOWN with the backend's name and
 * the error when it fails, hangs, or its server is gone.
 */
class SherlockHealthTests {

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                SherlockHealthContributorAutoConfiguration.class));

    @Test
    void anAnsweringBackendIsUp() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
            Health health = context.getBean("sherlockHealthIndicator", SherlockHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("backend", "file").containsKey("responseTime");
        });
    }

    @Test
    void aFailingBackendIsDownWithItsNameAndTheError() {
        contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public String name() {
                return "redis";
            }

            @Override
            public boolean isLocked(String key) {
                throw new StoreException("redis exists of 'sherlock-health-probe' failed: connection refused");
            }
        }).run(context -> {
            Health health = context.getBean(SherlockHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("backend", "redis").containsEntry("error",
                    "dev.sherlock.spi.StoreException: redis exists of 'sherlock-health-probe' failed: connection"
                            + " refused");
        });
    }

    @Test
    void aHungBackendIsDownWithinTheTimeoutAndChecksDoNotPileUp() {
        int[] probes = new int[1];
        contextRunner.withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public boolean isLocked(String key) {
                synchronized (probes) {
                    probes[0]++;
                }
                try {
                    Thread.sleep(Duration.ofMinutes(1).toMillis());
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
        }).run(context -> {
            SherlockHealthIndicator indicator = context.getBean(SherlockHealthIndicator.class);
            long started = System.nanoTime();

            Health first = indicator.health();
            Health second = indicator.health();

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
            assertThat(first.getStatus()).isEqualTo(Status.DOWN);
            assertThat(first.getDetails()).containsEntry("backend", "file").containsEntry("error",
                    "no answer within 2000 ms");
            assertThat(second.getStatus()).isEqualTo(Status.DOWN);
            synchronized (probes) {
                assertThat(probes[0]).as("the second check waits on the first probe").isEqualTo(1);
            }
        });
    }

    @Test
    void aRedisBackendWhoseServerStopsGoesDown() {
        LocalServer redis = LocalServer.start(TestServers.REDIS);
        try {
            contextRunner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
                .withPropertyValues("sherlock.backend=redis", "spring.data.redis.host=" + redis.host(),
                        "spring.data.redis.port=" + redis.port())
                .run(context -> {
                    SherlockHealthIndicator indicator = context.getBean(SherlockHealthIndicator.class);
                    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

                    redis.close();

                    Health health = indicator.health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("backend", "redis").containsKey("error");
                });
        }
        finally {
            redis.close();
        }
    }

    @Test
    void itCanBeSwitchedOff() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory,
                "management.health.sherlock.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(SherlockHealthIndicator.class));
    }
}
