package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockRegistry;
import dev.sherlock.kubernetes.KubernetesBackend;
import dev.sherlock.spi.LockBackend;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Kubernetes backend: Lease objects in {@code sherlock.kubernetes.namespace} (by default the pod's own), through
 * the application's {@link ApiClient} bean if it has one, else the standard client configuration (in-cluster service
 * account, then kubeconfig).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ ApiClient.class, Config.class })
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "kubernetes")
class KubernetesBackendConfiguration {

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    KubernetesBackend sherlockKubernetesBackend(SherlockProperties properties, ObjectProvider<ApiClient> client) {
        KubernetesBackend.Builder builder = KubernetesBackend.builder();
        String namespace = properties.getKubernetes().getNamespace();
        if (namespace != null) {
            builder.namespace(namespace);
        }
        ApiClient applicationClient = client.getIfUnique();
        if (applicationClient != null) {
            builder.client(applicationClient);
        }
        return builder.build();
    }
}
