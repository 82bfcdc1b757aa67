package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.spi.LockBackend;
import dev.sherlock.spring.health.BackendProbe;
import dev.sherlock.spring.health.SherlockHealthIndicator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sherlock} health indicator ({@link SherlockHealthIndicator}), where Spring Boot's health support is on
 * the class path (as {@code spring-boot-starter-actuator} brings it) and there is one lock backend. Switched off
 * with {@code management.health.sherlock.enabled=false}.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = SherlockAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnSingleCandidate(LockBackend.class)
@ConditionalOnEnabledHealthIndicator("sherlock")
public final class SherlockHealthContributorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "sherlockHealthIndicator")
    SherlockHealthIndicator sherlockHealthIndicator(LockBackend backend, SherlockProperties properties) {
        return new SherlockHealthIndicator(backend, properties.getNamespace(), BackendProbe.DEFAULT_TIMEOUT);
    }
}
