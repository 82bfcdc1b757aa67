package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockObserver;
import dev.sherlock.LockRegistry;
import dev.sherlock.spring.observation.LockLossCounter;
import dev.sherlock.spring.observation.LockTagLimit;
import dev.sherlock.spring.observation.ObservationLockObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Micrometer observations of the auto-configured {@link LockRegistry}'s locks ({@link ObservationLockObserver}),
 * where there is an {@link ObservationRegistry} bean (as Spring Boot's actuator provides); with a
 * {@link MeterRegistry} bean, lost locks are counted too ({@link LockLossCounter}). Switched off, as every
 * observation, with {@code management.observations.enable.sherlock=false}.
 *
 * @since 0.2.0
 */
// Boot 4's and Boot 3.5's names.
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration" })
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

        /**
         * Boot (3.5 and 4 alike) applies only its own filters to its composite registry: bound the composite's
         * meters too. A post-processor rather than Boot's registry customizer, whose package differs between the two.
         */
        @Bean
        static BeanPostProcessor sherlockLockTagLimitOnComposites(ObjectProvider<LockTagLimit> limit) {
            return new CompositeTagLimit(limit);
        }
    }

    /** Adds the lock-tag limit to every composite meter registry, before Boot's own post-processing binds meters. */
    static final class CompositeTagLimit implements BeanPostProcessor, Ordered {

        private final ObjectProvider<LockTagLimit> limit;

        CompositeTagLimit(ObjectProvider<LockTagLimit> limit) {
            this.limit = limit;
        }

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
            LockTagLimit tagLimit;
            if (bean instanceof CompositeMeterRegistry composite && (tagLimit = limit.getIfAvailable()) != null) {
                composite.config().meterFilter(tagLimit);
            }
            return bean;
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
