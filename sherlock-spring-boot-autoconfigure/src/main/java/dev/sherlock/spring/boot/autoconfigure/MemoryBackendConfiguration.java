package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.LockBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The memory backend, for an application's tests: {@code sherlock.backend=memory}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "memory")
class MemoryBackendConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(MemoryBackendConfiguration.class);

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    MemoryBackend sherlockMemoryBackend() {
        logger.info("Sherlock memory backend: locks live in this JVM and exclude nothing outside it; for tests only");
        return new MemoryBackend();
    }
}
