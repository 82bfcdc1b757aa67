package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.spring.integration.SpringIntegrationLockRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;

/**
 * With Spring Integration on the class path, the application's Sherlock {@link LockRegistry} also as Spring
 * Integration's {@code LockRegistry} ({@link SpringIntegrationLockRegistry}), unless the application defines one.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = SherlockAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.integration.support.locks.LockRegistry")
@ConditionalOnSingleCandidate(LockRegistry.class)
public final class SherlockIntegrationAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(type = "org.springframework.integration.support.locks.LockRegistry")
    SpringIntegrationLockRegistry sherlockIntegrationLockRegistry(LockRegistry registry) {
        return new SpringIntegrationLockRegistry(registry);
    }
}
