package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

class RedisBackendConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(BootLine.redis(), SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=redis");

    private static String[] redisProperties() {
        LocalServer redis = TestServers.redis();
        return new String[] { "spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port() };
    }

    @Test
    void applicationsConnectionFactoryIsReusedWithPySherlocksKeyLayout() {
        contextRunner.withPropertyValues(redisProperties())
            .withPropertyValues("sherlock.namespace=spring")
            .run(context -> {
                assertThat(context).hasSingleBean(RedisBackend.class).hasSingleBean(RedisConnectionFactory.class);
                LockRegistry registry = context.getBean(LockRegistry.class);
                StringRedisTemplate redis = new StringRedisTemplate(context.getBean(RedisConnectionFactory.class));
                try (Lock lock = registry.acquire("redis-configured")) {
                    assertThat(lock.fencingToken()).isPositive();
                    assertThat(redis.hasKey("spring_redis-configured")).isTrue();
                }
                assertThat(redis.hasKey("spring_redis-configured")).isFalse();
            });
    }

    @Test
    void redisPropertiesConfigureTheBackend() {
        contextRunner.withPropertyValues(redisProperties())
            .withPropertyValues("sherlock.redis.notifications=false", "sherlock.redis.channel=other:releases",
                    "sherlock.redis.fencing-retention=0")
            .run(context -> {
                assertThat(context).hasSingleBean(RedisBackend.class);
                context.getBean(LockRegistry.class).executeLocked("redis-polling", () -> {
                });
            });
    }

    @Test
    void negativeFencingRetentionFailsNamingTheProperty() {
        contextRunner.withPropertyValues(redisProperties())
            .withPropertyValues("sherlock.redis.fencing-retention=-1s")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessageContaining("'sherlock.redis.fencing-retention' must be 0 or positive but was PT-1S"));
    }
}
