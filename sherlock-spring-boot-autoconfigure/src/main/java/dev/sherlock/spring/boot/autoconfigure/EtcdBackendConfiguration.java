package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.spi.LockBackend;
import io.etcd.jetcd.Client;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The etcd backend: the application's jetcd {@link Client} bean if it has one, else a client of its own to
 * {@code sherlock.etcd.endpoints}, closed with the context.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(Client.class)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "etcd")
class EtcdBackendConfiguration {

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    EtcdBackend sherlockEtcdBackend(SherlockProperties properties, ObjectProvider<Client> client) {
        SherlockProperties.Etcd etcd = properties.getEtcd();
        Client applicationClient = client.getIfUnique();
        if (applicationClient != null) {
            return EtcdBackend.builder().client(applicationClient).requestTimeout(etcd.getRequestTimeout()).minimumLeaseTtl(etcd.getMinimumLeaseTtl()).build();
        }
        return EtcdBackend.builder().endpoints(etcd.getEndpoints()).requestTimeout(etcd.getRequestTimeout()).minimumLeaseTtl(etcd.getMinimumLeaseTtl()).build();
    }
}
