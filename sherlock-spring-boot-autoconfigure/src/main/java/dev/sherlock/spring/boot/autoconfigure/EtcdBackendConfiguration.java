package dev.sherlock.spring.boot.autoconfigure;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.spi.LockBackend;
import io.etcd.jetcd.Client;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The etcd backend: the application's jetcd {@link Client} bean if it has one, else a client of its own to
 * {@code sherlock.etcd.endpoints}, with the user, password and SSL bundle of {@code sherlock.etcd.*}, closed with the
 * context.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(Client.class)
@ConditionalOnProperty(name = "sherlock.backend", havingValue = "etcd")
class EtcdBackendConfiguration {

    @Bean
    @ConditionalOnMissingBean({ LockBackend.class, LockRegistry.class })
    EtcdBackend sherlockEtcdBackend(SherlockProperties properties, ObjectProvider<Client> client,
            ObjectProvider<SslBundles> sslBundles) {
        SherlockProperties.Etcd etcd = properties.getEtcd();
        Client applicationClient = client.getIfUnique();
        EtcdBackend.Builder builder = EtcdBackend.builder().requestTimeout(etcd.getRequestTimeout())
                .minimumLeaseTtl(etcd.getMinimumLeaseTtl());
        if (applicationClient != null) {
            if (etcd.getUsername() != null || etcd.getPassword() != null || etcd.getSsl().getBundle() != null
                    || etcd.getAuthority() != null) {
                throw new LockConfigurationException("Backend etcd: the application's jetcd Client bean is used, so"
                        + " 'sherlock.etcd.username', 'password', 'ssl.bundle' and 'authority' would be ignored."
                        + " Configure them on that client, or remove the bean to let Sherlock connect");
            }
            return builder.client(applicationClient).build();
        }
        builder.endpoints(etcd.getEndpoints());
        if (etcd.getUsername() != null || etcd.getPassword() != null) {
            builder.credentials(etcd.getUsername(), etcd.getPassword());
        }
        if (etcd.getAuthority() != null) {
            builder.authority(etcd.getAuthority());
        }
        String bundleName = etcd.getSsl().getBundle();
        if (bundleName != null) {
            SslBundle bundle = bundle(sslBundles.getIfAvailable(), bundleName);
            builder.tls(bundle.getManagers().getTrustManagerFactory(),
                    bundle.getStores().getKeyStore() != null ? bundle.getManagers().getKeyManagerFactory() : null);
        }
        return builder.build();
    }

    private static SslBundle bundle(@Nullable SslBundles bundles, String name) {
        if (bundles == null) {
            throw new LockConfigurationException("Backend etcd: 'sherlock.etcd.ssl.bundle' names the SSL bundle '"
                    + name + "', but the application has no SslBundles bean (Spring Boot's SslAutoConfiguration)");
        }
        try {
            return bundles.getBundle(name);
        }
        catch (NoSuchSslBundleException ex) {
            throw new LockConfigurationException("Backend etcd: 'sherlock.etcd.ssl.bundle' names the SSL bundle '"
                    + name + "', which is not configured. Define it under spring.ssl.bundle.pem." + name
                    + " or spring.ssl.bundle.jks." + name, ex);
        }
    }
}
