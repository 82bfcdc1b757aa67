package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.spring.actuate.SherlockEndpoint;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sherlock} actuator endpoint ({@link SherlockEndpoint}), where Spring Boot's actuator is on the class
 * path and the endpoint is available (enabled and exposed, as {@code management.endpoints.*} say).
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = SherlockAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
@ConditionalOnBean(LockRegistry.class)
@ConditionalOnAvailableEndpoint(SherlockEndpoint.class)
public final class SherlockEndpointAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SherlockEndpoint sherlockEndpoint(ListableBeanFactory beans) {
        return new SherlockEndpoint(beans.getBeansOfType(LockRegistry.class));
    }
}
