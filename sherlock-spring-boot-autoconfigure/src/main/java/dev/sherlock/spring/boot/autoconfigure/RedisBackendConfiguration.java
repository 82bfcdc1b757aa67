package dev.sherlock.spring.boot.autoconfigure;

import java.time.Duration;

import dev.sherlock.LockRegistry;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.spi.LockBackend;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The Redis backend over the application's {@link RedisConnectionFactory} (standalone, Sentinel or Cluster, as
 * configured by {@code spring.data.redis.*}); closing the backend ends its subscription, never the factory.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisConnectionFactory.class)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "redis")
class RedisBackendConfiguration {

    @Bean
    @ConditionalOnBean(RedisConnectionFactory.class)
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    RedisBackend sherlockRedisBackend(RedisConnectionFactory connectionFactory, SherlockProperties properties) {
        SherlockProperties.Redis redis = properties.getRedis();
        Duration retention = redis.getFencingRetention();
        return RedisBackend.builder().connectionFactory(connectionFactory)
            .notifications(redis.isNotifications())
            .channel(redis.getChannel())
            .fencingRetention(retention.isZero() ? null : retention)
            .build();
    }
}
