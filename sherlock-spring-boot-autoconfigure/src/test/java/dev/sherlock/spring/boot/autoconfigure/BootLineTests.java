package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * These tests run on the Spring Boot their build meant (Boot 4 in this module, 3.5 in
 * {@code sherlock-spring-boot3-tests}), and Sherlock's health indicator there is the one of that line.
 */
class BootLineTests {

    @TempDir
    Path directory;

    @Test
    void theTestsRunOnTheSpringBootTheirBuildChose() {
        String meant = System.getProperty("sherlock.test.spring-boot-version");
        assertThat(meant).as("set by the build's surefire configuration").isNotBlank();

        assertThat(SpringBootVersion.getVersion()).isEqualTo(meant);
        assertThat(BootLine.BOOT_4).isEqualTo(meant.startsWith("4."));
    }

    @Test
    void theHealthIndicatorIsTheOneOfThisLine() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                    SherlockHealthContributorAutoConfiguration.class, BootLine.sherlockHealth()))
            .withPropertyValues("sherlock.file.directory=" + directory)
            .run(context -> assertThat(context.getBean("sherlockHealthIndicator").getClass().getName())
                .isEqualTo(BootLine.BOOT_4 ? "dev.sherlock.spring.health.SherlockHealthIndicator"
                        : "dev.sherlock.spring.boot3.SherlockBoot3HealthIndicator"));
    }
}
