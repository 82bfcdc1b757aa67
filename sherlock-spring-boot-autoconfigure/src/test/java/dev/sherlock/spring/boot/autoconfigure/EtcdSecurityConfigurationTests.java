package dev.sherlock.spring.boot.autoconfigure;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.SecureEtcd;
import dev.sherlock.testserver.TestCertificates;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static dev.sherlock.spring.boot.autoconfigure.StartupRefusals.assertRefusal;
import static dev.sherlock.spring.boot.autoconfigure.StartupRefusals.failureChain;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sherlock.etcd.*} against real etcd servers that demand TLS with client certificates (through a Spring Boot
 * SSL bundle) or a user and password: the application starts and locks with the right settings, fails at startup
 * naming the member and what was refused otherwise, and never shows the password.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@ExtendWith(OutputCaptureExtension.class)
class EtcdSecurityConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=etcd", "sherlock.etcd.request-timeout=3s");

    private static void locks(LockRegistry registry) {
        try (Lock lock = registry.acquire("secured")) {
            assertThat(lock.fencingToken()).isPositive();
            assertThat(registry.getLock("secured").locked()).isTrue();
        }
        assertThat(registry.getLock("secured").locked()).isFalse();
    }

    @Test
    void theEnvironmentEndpointMasksSherlocksPasswordsEvenWhenShowingValues() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
                    EnvironmentEndpointAutoConfiguration.class, SherlockSanitizingAutoConfiguration.class))
            .withPropertyValues("management.endpoint.env.show-values=always",
                    "management.endpoints.web.exposure.include=env", "sherlock.etcd.password=" + SecureEtcd.PASSWORD,
                    "sherlock.etcd.username=" + SecureEtcd.USER)
            .run(context -> {
                EnvironmentEndpoint endpoint = context.getBean(EnvironmentEndpoint.class);
                assertThat(endpoint.environmentEntry("sherlock.etcd.password").getProperty().getValue())
                    .isEqualTo("******");
                assertThat(endpoint.environmentEntry("sherlock.etcd.username").getProperty().getValue())
                    .isEqualTo(SecureEtcd.USER);
            });
    }

    @Test
    void passwordsAreRecognisedAsPropertiesAndAsEnvironmentVariables() {
        assertThat(SherlockSanitizingAutoConfiguration.isPassword("sherlock.etcd.password")).isTrue();
        assertThat(SherlockSanitizingAutoConfiguration.isPassword("SHERLOCK_MEMCACHED_PASSWORD")).isTrue();
        assertThat(SherlockSanitizingAutoConfiguration.isPassword("sherlock.etcd.username")).isFalse();
        assertThat(SherlockSanitizingAutoConfiguration.isPassword("spring.data.redis.password")).isFalse();
    }

    @Test
    void credentialsBesideTheApplicationsClientFailAtStartupRatherThanBeIgnored() {
        try (Client client = Client.builder().endpoints(SecureEtcd.httpEndpoint(TestServers.etcd())).build()) {
            contextRunner.withBean(Client.class, () -> client, definition -> definition.setDestroyMethodName(""))
                .withPropertyValues("sherlock.etcd.username=someone", "sherlock.etcd.password=secret")
                .run(context -> assertRefusal(context).hasMessageContaining("the application's jetcd Client bean is"
                        + " used, so 'sherlock.etcd.username', 'password', 'ssl.bundle' and 'authority' would be"
                        + " ignored"));
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OverTls {

        private LocalServer server;

        private TestCertificates certificates;

        @BeforeAll
        void start() {
            server = SecureEtcd.startTls();
            certificates = SecureEtcd.certificates(server);
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private ApplicationContextRunner withBundle(boolean clientCertificate) {
            ApplicationContextRunner runner = contextRunner.withPropertyValues(
                    "sherlock.etcd.endpoints=" + SecureEtcd.httpsEndpoint(server), "sherlock.etcd.ssl.bundle=etcd",
                    "spring.ssl.bundle.pem.etcd.truststore.certificate=file:" + certificates.file("ca.crt"));
            return clientCertificate ? runner.withPropertyValues(
                    "spring.ssl.bundle.pem.etcd.keystore.certificate=file:" + certificates.file("client.crt"),
                    "spring.ssl.bundle.pem.etcd.keystore.private-key=file:" + certificates.file("client.key"))
                    : runner;
        }

        @Test
        void anSslBundleWithTheCaAndAClientCertificateConnects() {
            withBundle(true).run(context -> {
                assertThat(context).hasNotFailed();
                locks(context.getBean(LockRegistry.class));
            });
        }

        @Test
        void aBundleWithoutClientCertificateFailsAtStartupNamingTheMember() {
            withBundle(false).run(context -> assertRefusal(context)
                    .hasMessageContaining("Backend etcd at " + SecureEtcd.httpsEndpoint(server))
                    .hasMessageContaining("did not accept the client certificate"));
        }

        @Test
        void anUnknownBundleFailsAtStartupNamingTheProperty() {
            contextRunner.withPropertyValues("sherlock.etcd.endpoints=" + SecureEtcd.httpsEndpoint(server),
                    "sherlock.etcd.ssl.bundle=missing")
                .run(context -> assertRefusal(context)
                    .hasMessageContaining("'sherlock.etcd.ssl.bundle' names the SSL bundle 'missing', which is not"
                            + " configured"));
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithAuthentication {

        private LocalServer server;

        @BeforeAll
        void start() {
            server = SecureEtcd.startWithAuthentication();
        }

        @AfterAll
        void stop() {
            server.close();
        }

        private ApplicationContextRunner as(String user, String password) {
            return contextRunner.withPropertyValues("sherlock.etcd.endpoints=" + SecureEtcd.httpEndpoint(server),
                    "sherlock.etcd.username=" + user, "sherlock.etcd.password=" + password);
        }

        @Test
        void theRightUserAndPasswordLock() {
            as(SecureEtcd.USER, SecureEtcd.PASSWORD).run(context -> {
                assertThat(context).hasNotFailed();
                locks(context.getBean(LockRegistry.class));
            });
        }

        @Test
        void aWrongPasswordFailsAtStartupAndShowsNowhere(CapturedOutput output) {
            String password = "not-" + SecureEtcd.PASSWORD;
            as(SecureEtcd.USER, password).run(context -> {
                assertRefusal(context)
                    .hasMessageContaining("Backend etcd at " + SecureEtcd.httpEndpoint(server))
                    .hasMessageContaining("authentication as 'sherlock' failed");
                assertThat(failureChain(context)).doesNotContain(password);
            });
            assertThat(output.getAll()).doesNotContain(password);
        }

        @Test
        void aUserThatMayNotWriteFailsAtStartupNamingThePrefixToGrant() {
            as(SecureEtcd.READER, SecureEtcd.PASSWORD).withPropertyValues("sherlock.namespace=billing")
                .run(context -> assertRefusal(context)
                    .hasMessageContaining("user 'reader' may not read and write the key"
                            + " 'sherlock/billing/sherlock-access-probe'"));
        }

        @Test
        void withTheCheckOffAWrongPasswordFailsOnlyTheLocks() {
            as(SecureEtcd.USER, "not-" + SecureEtcd.PASSWORD).withPropertyValues("sherlock.check-access=false",
                    "sherlock.timeout=0")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(LockRegistry.class).getLock("secured"))
                        .satisfies(lock -> org.assertj.core.api.Assertions.assertThatThrownBy(() -> lock.tryAcquire(java.time.Duration.ZERO))
                            .hasStackTraceContaining("authentication failed"));
                });
        }

        @Test
        void theConfigurationPropertiesEndpointMasksThePassword() {
            as(SecureEtcd.USER, SecureEtcd.PASSWORD)
                .withConfiguration(AutoConfigurations.of(EndpointAutoConfiguration.class,
                        ConfigurationPropertiesReportEndpointAutoConfiguration.class,
                        SherlockSanitizingAutoConfiguration.class))
                .withPropertyValues("management.endpoint.configprops.show-values=always",
                        "management.endpoints.web.exposure.include=configprops",
                        "sherlock.memcached.password=" + SecureEtcd.PASSWORD)
                .run(context -> {
                    Map<String, Object> sherlock = context.getBean(ConfigurationPropertiesReportEndpoint.class)
                        .configurationPropertiesWithPrefix("sherlock").getContexts().values().iterator().next()
                        .getBeans().values().iterator().next().getProperties();
                    assertThat(sherlock).extractingByKey("etcd").asInstanceOf(
                            org.assertj.core.api.InstanceOfAssertFactories.MAP)
                        .containsEntry("username", SecureEtcd.USER).containsEntry("password", "******");
                    assertThat(sherlock).extractingByKey("memcached").asInstanceOf(
                            org.assertj.core.api.InstanceOfAssertFactories.MAP)
                        .containsEntry("password", "******");
                    assertThat(sherlock.toString()).doesNotContain(SecureEtcd.PASSWORD);
                });
        }
    }
}
