package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockObserver;
import dev.sherlock.LockRegistry;
import dev.sherlock.spring.observation.LockLossCounter;
import dev.sherlock.spring.observation.LockTagLimit;
import dev.sherlock.spring.observation.ObservationLockObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Micrometer observations of the auto-configured {@link LockRegistry}'s locks ({@link ObservationLockObserver}),
 * where there is an {@link ObservationRegistry} bean (as Spring Boot's actuator provides); with a
 * {@link MeterRegistry} bean, lost locks are counted too ({@link LockLossCounter}). Switched off, as every
 * observation, with {@code management.observations.enable.sherlock=false}.
 *
 * @since 0.2.0
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(name = "io.micrometer.observation.ObservationRegistry")
@ConditionalOnBean(type = "io.micrometer.observation.ObservationRegistry")
public final class SherlockObservationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(LockObserver.class)
    ObservationLockObserver sherlockLockObserver(ObservationRegistry observations,
            ObjectProvider<LockLossCounter> losses) {
        return new ObservationLockObserver(observations, losses.getIfAvailable());
    }

    /** The lost-lock counter, where Micrometer's meters are on the class path and registered. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
    static final class LossCounterConfiguration {

        @Bean
        @ConditionalOnMissingBean
        LockLossCounter sherlockLockLossCounter(MeterRegistry meters) {
            return new LockLossCounter(meters);
        }
    }

    /** Bounds the lock-name tag of every Sherlock meter, as Boot bounds its URI tags. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.config.MeterFilter")
    @EnableConfigurationProperties(SherlockProperties.class)
    static final class TagLimitConfiguration {

        @Bean
        @ConditionalOnMissingBean
        LockTagLimit sherlockLockTagLimit(SherlockProperties properties) {
            return new LockTagLimit(properties.getObservations().getMaxLockTags());
        }

        /** Boot applies only its own filters to its composite registry: bound the composite's meters too. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer")
        static final class CompositeConfiguration {

            @Bean
            org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer<
                    io.micrometer.core.instrument.composite.CompositeMeterRegistry> sherlockLockTagLimitOnComposite(
                    LockTagLimit limit) {
                return composite -> composite.config().meterFilter(limit);
            }
        }
    }
}
