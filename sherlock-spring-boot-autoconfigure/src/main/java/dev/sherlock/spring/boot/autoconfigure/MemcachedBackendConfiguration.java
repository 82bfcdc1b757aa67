package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.memcached.MemcachedBackend;
import dev.sherlock.spi.LockBackend;
import net.spy.memcached.MemcachedClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Memcached backend: the application's {@link MemcachedClient} bean if it has one, else a client of its own to
 * {@code sherlock.memcached.servers}, shut down with the context.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MemcachedClient.class)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "memcached")
class MemcachedBackendConfiguration {

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    MemcachedBackend sherlockMemcachedBackend(SherlockProperties properties, ObjectProvider<MemcachedClient> client) {
        MemcachedClient applicationClient = client.getIfUnique();
        if (applicationClient != null) {
            return MemcachedBackend.of(applicationClient);
        }
        return MemcachedBackend.builder().servers(String.join(",", properties.getMemcached().getServers())).build();
    }
}
