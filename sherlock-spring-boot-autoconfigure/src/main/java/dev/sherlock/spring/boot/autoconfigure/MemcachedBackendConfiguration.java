package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockConfigurationException;
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
 * {@code sherlock.memcached.servers}, authenticated with {@code sherlock.memcached.username} and {@code password} if
 * set, shut down with the context.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(MemcachedClient.class)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "memcached")
class MemcachedBackendConfiguration {

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    MemcachedBackend sherlockMemcachedBackend(SherlockProperties properties, ObjectProvider<MemcachedClient> client) {
        SherlockProperties.Memcached memcached = properties.getMemcached();
        MemcachedClient applicationClient = client.getIfUnique();
        if (applicationClient != null) {
            if (memcached.getUsername() != null || memcached.getPassword() != null) {
                throw new LockConfigurationException("Backend memcached: the application's MemcachedClient bean is"
                        + " used, so 'sherlock.memcached.username' and 'password' would be ignored. Give that client"
                        + " its AuthDescriptor, or remove the bean to let Sherlock connect");
            }
            return MemcachedBackend.of(applicationClient);
        }
        MemcachedBackend.Builder builder = MemcachedBackend.builder().servers(String.join(",", memcached.getServers()));
        if (memcached.getUsername() != null || memcached.getPassword() != null) {
            builder.credentials(memcached.getUsername(), memcached.getPassword());
        }
        return builder.build();
    }
}
