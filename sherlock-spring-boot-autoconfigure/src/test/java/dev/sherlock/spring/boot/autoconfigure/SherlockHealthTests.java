package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import dev.sherlock.file.FileBackend;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spring.boot.autoconfigure.BootLine.HealthReport;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code sherlock} health indicator: UP while the backend answers its probe, DOWN with the backend's name and
 * the error when it fails, hangs, or its server is gone.
 */
class SherlockHealthTests {

    private static final String INDICATOR = "sherlockHealthIndicator";

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class, BootLine.sherlockHealth()));

    @Test
    void anAnsweringBackendIsUp() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
            HealthReport health = BootLine.health(context.getBean(INDICATOR));

            assertThat(health.status()).isEqualTo("UP");
            assertThat(health.details()).containsEntry("backend", "file").containsKey("responseTime");
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
            HealthReport health = BootLine.health(context.getBean(INDICATOR));

            assertThat(health.status()).isEqualTo("DOWN");
            assertThat(health.details()).containsEntry("backend", "redis").containsEntry("error",
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
            Object indicator = context.getBean(INDICATOR);
            long started = System.nanoTime();

            HealthReport first = BootLine.health(indicator);
            HealthReport second = BootLine.health(indicator);

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
            assertThat(first.status()).isEqualTo("DOWN");
            assertThat(first.details()).containsEntry("backend", "file").containsEntry("error",
                    "no answer within 2000 ms");
            assertThat(second.status()).isEqualTo("DOWN");
            synchronized (probes) {
                assertThat(probes[0]).as("the second check waits on the first probe").isEqualTo(1);
            }
        });
    }

    @Test
    void aRedisBackendWhoseServerStopsGoesDown() {
        LocalServer redis = LocalServer.start(TestServers.REDIS);
        try {
            contextRunner.withConfiguration(AutoConfigurations.of(BootLine.redis()))
                .withPropertyValues("sherlock.backend=redis", "spring.data.redis.host=" + redis.host(),
                        "spring.data.redis.port=" + redis.port())
                .run(context -> {
                    Object indicator = context.getBean(INDICATOR);
                    assertThat(BootLine.health(indicator).status()).isEqualTo("UP");

                    redis.close();

                    HealthReport health = BootLine.health(indicator);
                    assertThat(health.status()).isEqualTo("DOWN");
                    assertThat(health.details()).containsEntry("backend", "redis").containsKey("error");
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
            .run(context -> assertThat(context).doesNotHaveBean(INDICATOR));
    }
}
