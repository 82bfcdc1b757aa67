package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.spring.leader.LeaderElections;
import dev.sherlock.spring.leader.LeaderOnlyBeanPostProcessor;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.condition.SearchStrategy;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * Leader election over the application's {@link LockRegistry}: a {@link LeaderElections} bean for the roles of
 * {@code sherlock.leader.roles} (none by default), started and stopped with the context, and {@code @LeaderOnly}
 * methods. Off with {@code sherlock.leader.enabled=false}.
 *
 * @since 0.2.0
 */
@AutoConfiguration(after = SherlockAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "sherlock.leader.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SherlockProperties.class)
public final class SherlockLeaderAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(LockRegistry.class)
    LeaderElections sherlockLeaderElections(LockRegistry registry, SherlockProperties properties,
            ApplicationEventPublisher events) {
        return new LeaderElections(registry, properties.getLeader().getRoles(), events);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean(search = SearchStrategy.CURRENT)
    static LeaderOnlyBeanPostProcessor leaderOnlyBeanPostProcessor(ObjectProvider<LeaderElections> elections) {
        return new LeaderOnlyBeanPostProcessor(elections::getIfAvailable);
    }
}
