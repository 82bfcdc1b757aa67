package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.util.List;

import dev.sherlock.LockRegistry;
import dev.sherlock.spring.observation.ObservationLockObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** The lock tag limit also bounds the composite registry Boot makes for several meter registries. */
class LockTagLimitCompositeTests {

    @TempDir
    Path directory;

    @Test
    void theLimitAlsoBoundsTheAutoConfiguredCompositeRegistry() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BootLine.with(BootLine.observationsAndMetrics(),
                    SherlockAutoConfiguration.class, SherlockObservationAutoConfiguration.class)))
            .withBean("prometheusLike", MeterRegistry.class, SimpleMeterRegistry::new)
            .withBean("otlpLike", MeterRegistry.class, SimpleMeterRegistry::new)
            .withPropertyValues("sherlock.file.directory=" + directory, "sherlock.observations.max-lock-tags=2")
            .run(context -> {
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                assertThat(meters).isInstanceOf(CompositeMeterRegistry.class);
                LockRegistry registry = context.getBean(LockRegistry.class);
                for (int id = 0; id < 50; id++) {
                    registry.executeLocked("invoice-" + id, () -> { });
                }

                assertThat(meters.find(ObservationLockObserver.ACQUIRE).timers()).as("acquire timers kept in memory")
                        .hasSizeLessThanOrEqualTo(3);
                for (String child : List.of("prometheusLike", "otlpLike")) {
                    assertThat(context.getBean(child, MeterRegistry.class).find(ObservationLockObserver.ACQUIRE)
                            .timers()).as("exported by " + child).hasSizeLessThanOrEqualTo(3);
                }
            });
    }
}
