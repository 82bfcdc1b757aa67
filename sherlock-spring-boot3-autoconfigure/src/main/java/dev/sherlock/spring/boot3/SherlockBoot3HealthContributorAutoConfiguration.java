package dev.sherlock.spring.boot3;

import dev.sherlock.spi.LockBackend;
import dev.sherlock.spring.boot.autoconfigure.SherlockAutoConfiguration;
import dev.sherlock.spring.boot.autoconfigure.SherlockProperties;
import dev.sherlock.spring.health.BackendProbe;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sherlock} health indicator on Spring Boot 3.5 ({@link SherlockBoot3HealthIndicator}), where Boot 3.5's
 * health support is on the class path (as {@code spring-boot-starter-actuator} brings it) and there is one lock
 * backend. Switched off with {@code management.health.sherlock.enabled=false}. Boot 4's health API has another
 * package, so on Boot 4 this never applies.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = SherlockAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
@ConditionalOnSingleCandidate(LockBackend.class)
@ConditionalOnEnabledHealthIndicator("sherlock")
public final class SherlockBoot3HealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "sherlockHealthIndicator")
    SherlockBoot3HealthIndicator sherlockHealthIndicator(LockBackend backend, SherlockProperties properties) {
        return new SherlockBoot3HealthIndicator(backend, properties.getNamespace(), BackendProbe.DEFAULT_TIMEOUT);
    }
}
