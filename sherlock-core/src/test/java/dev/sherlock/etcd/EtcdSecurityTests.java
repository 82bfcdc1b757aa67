package dev.sherlock.etcd;

import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.SecureEtcd;
import dev.sherlock.testserver.TestCertificates;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The etcd backend against real etcd servers that demand TLS with client certificates, or a user and password: it
 * connects with the right settings, and its startup check names the member and what was refused otherwise. The
 * password shows up nowhere.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdSecurityTests {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    /** Takes and releases a lock, returning its fencing token. */
    private static long takeAndRelease(EtcdBackend backend) {
        String key = backend.key("security", "lock-" + UUID.randomUUID());
        AcquireResult result = backend.tryAcquire(key, "owner-1", MINUTE);
        assertThat(result.acquired()).isTrue();
        assertThat(backend.isLocked(key)).isTrue();
        assertThat(backend.tryAcquire(key, "owner-2", MINUTE).acquired()).as("excludes others").isFalse();
        assertThat(backend.release(key, "owner-1")).isTrue();
        assertThat(backend.isLocked(key)).isFalse();
        return result.fencingToken();
    }

    private static ListAppender<ILoggingEvent> capture(Class<?> type) {
        Logger logger = (Logger) LoggerFactory.getLogger(type);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        logger.setLevel(Level.DEBUG);
        return events;
    }

    private static void release(Class<?> type, ListAppender<ILoggingEvent> events) {
        Logger logger = (Logger) LoggerFactory.getLogger(type);
        logger.detachAppender(events);
        logger.setLevel(null);
    }

    /** Every message and cause of a failure, and every captured log line with its exception. */
    private static String everything(Throwable failure, ListAppender<ILoggingEvent> appender) {
        List<ILoggingEvent> events;
        // Other threads (gRPC's) may still log: copy under the appender's lock, which appends hold.
        synchronized (appender) {
            events = new java.util.ArrayList<>(appender.list);
        }
        StringBuilder text = new StringBuilder();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            text.append(cause).append('\n');
        }
        for (ILoggingEvent event : events) {
            text.append(event.getFormattedMessage()).append('\n');
            if (event.getThrowableProxy() != null) {
                text.append(event.getThrowableProxy().getMessage()).append('\n');
            }
        }
        return text.toString();
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

        private EtcdBackend.Builder builder() {
            return EtcdBackend.builder().endpoints(SecureEtcd.httpsEndpoint(server)).requestTimeout(TIMEOUT);
        }

        @Test
        void aClientTrustingTheCaWithAClientCertificateTakesLocks() {
            try (EtcdBackend backend = builder().tls(certificates.trustManagers(), certificates.clientKeyManagers())
                    .build()) {
                backend.checkAccess("security");

                assertThat(takeAndRelease(backend)).isPositive();
                assertThat(backend.toString()).contains(SecureEtcd.httpsEndpoint(server), "TLS");
            }
        }

        @Test
        void aClientWithoutAClientCertificateIsRefusedNamingTheMemberAndTheCertificate() {
            try (EtcdBackend backend = builder().tls(certificates.trustManagers(), null).build()) {
                assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("Backend etcd at " + SecureEtcd.httpsEndpoint(server))
                        .hasMessageContaining("did not accept the client certificate")
                        .hasMessageContaining("configure a key store");
            }
        }

        @Test
        void aClientCertificateFromAnotherCaIsRefused() {
            try (EtcdBackend backend = builder().tls(certificates.trustManagers(),
                    certificates.strangerKeyManagers()).build()) {
                assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining(SecureEtcd.httpsEndpoint(server))
                        .hasMessageContaining("did not accept the client certificate");
            }
        }

        @Test
        void aServerCertificateFromAnUntrustedCaIsRefused() {
            try (EtcdBackend backend = builder().tls(certificates.strangerTrustManagers(),
                    certificates.clientKeyManagers()).build()) {
                assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining(SecureEtcd.httpsEndpoint(server))
                        .hasMessageContaining("certificate is not trusted")
                        .hasMessageContaining("trust store");
            }
        }

        @Test
        void httpsEndpointsWithoutTlsSettingsTrustTheJvmDefaultsWhichDoNotKnowTheTestCa() {
            try (EtcdBackend backend = builder().build()) {
                assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("certificate is not trusted");
            }
        }

        @Test
        void tlsSettingsForPlainHttpEndpointsAreRefusedWhenBuilt() {
            assertThatThrownBy(() -> EtcdBackend.builder().endpoints(SecureEtcd.httpEndpoint(server))
                    .tls(certificates.trustManagers(), null).build())
                    .isInstanceOf(LockConfigurationException.class)
                    .hasMessageContaining("TLS is configured but 'endpoints' " + SecureEtcd.httpEndpoint(server))
                    .hasMessageContaining("https://");
        }

        @Test
        void endpointsMixingHttpAndHttpsAreRefusedWhenBuilt() {
            assertThatThrownBy(() -> EtcdBackend.builder().endpoints(SecureEtcd.httpsEndpoint(server),
                    "http://127.0.0.1:2379").build())
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining("mix http:// and https://");
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

        private EtcdBackend.Builder builder() {
            return EtcdBackend.builder().endpoints(SecureEtcd.httpEndpoint(server)).requestTimeout(TIMEOUT);
        }

        @Test
        void theRightUserAndPasswordTakeLocks() throws Exception {
            try (EtcdBackend backend = builder().credentials(SecureEtcd.USER, SecureEtcd.PASSWORD).build()) {
                backend.checkAccess("security");

                assertThat(takeAndRelease(backend)).isPositive();
                assertThat(handOff(backend)).as("a waiter woken by its watch takes the lock").isTrue();
            }
        }

        /** A waiter on another thread takes the lock once the holder releases it: watches work as this user. */
        private boolean handOff(EtcdBackend backend) throws Exception {
            LockRegistry registry = LockRegistry.of(backend, "security", LockSettings.defaults().withExpire(MINUTE)
                    .withRetryInterval(Duration.ofMinutes(1)));
            String name = "hand-off-" + UUID.randomUUID();
            Lock holder = registry.getLock(name);
            holder.acquire();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            try {
                Future<Boolean> waiter = executor.submit(() -> {
                    Lock lock = registry.getLock(name);
                    boolean acquired = lock.tryAcquire(Duration.ofSeconds(30));
                    if (acquired) {
                        lock.release();
                    }
                    return acquired;
                });
                Thread.sleep(500);
                holder.release();
                return waiter.get(30, TimeUnit.SECONDS);
            }
            finally {
                executor.shutdownNow();
            }
        }

        @Test
        void aWrongPasswordIsRefusedNamingTheUserAndTheMember() {
            try (EtcdBackend backend = builder().credentials(SecureEtcd.USER, "wrong-" + SecureEtcd.PASSWORD)
                    .build()) {
                assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("Backend etcd at " + SecureEtcd.httpEndpoint(server))
                        .hasMessageContaining("authentication as 'sherlock' failed");
            }
        }

        @Test
        void noCredentialsAgainstAClusterWithAuthenticationAskForThem() {
            try (EtcdBackend backend = builder().build()) {
                assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("authentication enabled and no user was given");
            }
        }

        @Test
        void aUserThatMayOnlyReadIsRefusedNamingTheKeyAndThePrefixToGrant() {
            try (EtcdBackend backend = builder().credentials(SecureEtcd.READER, SecureEtcd.PASSWORD).build()) {
                assertThatThrownBy(() -> backend.checkAccess("billing"))
                        .isInstanceOf(LockConfigurationException.class)
                        .hasMessageContaining("user 'reader' may not read and write the key"
                                + " 'sherlock/billing/sherlock-access-probe'")
                        .hasMessageContaining("readwrite --prefix sherlock/");
            }
        }

        @Test
        void theCheckWritesNothing() throws Exception {
            try (EtcdBackend backend = builder().credentials(SecureEtcd.USER, SecureEtcd.PASSWORD).build()) {
                backend.checkAccess(null);

                assertThat(backend.client().getKVClient().get(io.etcd.jetcd.ByteSequence.from(
                        EtcdKeys.key(null, EtcdAccess.PROBE_NAME), java.nio.charset.StandardCharsets.UTF_8))
                        .get(10, TimeUnit.SECONDS).getCount()).isZero();
            }
        }

        @Test
        void thePasswordAppearsInNoMessageLogOrDescription() {
            String password = "wrong-" + SecureEtcd.PASSWORD;
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            ListAppender<ILoggingEvent> all = new ListAppender<>();
            all.start();
            root.addAppender(all);
            Level rootLevel = root.getLevel();
            root.setLevel(Level.DEBUG);
            try (EtcdBackend backend = builder().credentials(SecureEtcd.USER, password).build()) {
                Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> backend.checkAccess(null));

                assertThat(failure).isInstanceOf(LockConfigurationException.class);
                assertThat(everything(failure, all)).contains("authentication as 'sherlock' failed")
                        .doesNotContain(password);
                assertThat(backend.toString()).contains("sherlock").doesNotContain(password);
            }
            finally {
                root.setLevel(rootLevel);
                root.detachAppender(all);
            }
        }
    }

    @Test
    void credentialsForAClusterWithoutAuthenticationAreRefused() {
        try (EtcdBackend backend = EtcdBackend.builder().endpoints(SecureEtcd.httpEndpoint(TestServers.etcd()))
                .requestTimeout(TIMEOUT).credentials("someone", "password").build()) {
            assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                    .hasMessageContaining("etcd has authentication disabled");
        }
    }

    @Test
    void anUnreachableClusterIsNoRefusalButAWarning() {
        String endpoint = "http://127.0.0.1:" + LocalServer.freePorts(1)[0];
        ListAppender<ILoggingEvent> events = capture(EtcdAccess.class);
        try (EtcdBackend backend = EtcdBackend.builder().endpoints(endpoint).requestTimeout(TIMEOUT).build()) {
            backend.checkAccess(null);

            assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage())
                            .contains("could not check access to " + endpoint).contains("starting anyway"));
        }
        finally {
            release(EtcdAccess.class, events);
        }
    }

    @Test
    void credentialsTlsOrAnAuthorityWithTheApplicationsClientAreRefused() {
        try (io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder()
                .endpoints(SecureEtcd.httpEndpoint(TestServers.etcd())).build()) {
            assertThatThrownBy(() -> EtcdBackend.builder().client(client).credentials("u", "p").build())
                    .isInstanceOf(LockConfigurationException.class)
                    .hasMessageContaining("configure them on the application's client");
            assertThatThrownBy(() -> EtcdBackend.builder().client(client).authority("etcd").build())
                    .isInstanceOf(LockConfigurationException.class);
        }
    }

    @Test
    void aPasswordSentUnencryptedToAnotherHostIsWarnedAbout() {
        ListAppender<ILoggingEvent> events = capture(EtcdConnection.class);
        try (EtcdBackend backend = EtcdBackend.builder().endpoints("http://10.255.255.1:2379")
                .credentials("someone", "password-123").build()) {
            assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage()).contains("user 'someone'")
                            .contains("unencrypted to http://10.255.255.1:2379").doesNotContain("password-123"));
        }
        finally {
            release(EtcdConnection.class, events);
        }
    }

    @Test
    void aHandshakeThatTimedOutOrWasCutOffIsNoRefusalButACertificateIs() {
        assertThat(EtcdAccess.refusal(new SSLHandshakeException("handshake timed out after 10000ms"), "k", null, true,
                true)).as("a busy member").isNull();
        assertThat(EtcdAccess.refusal(new SSLHandshakeException("Remote host terminated the handshake"), "k", null,
                true, true)).as("a restarting member").isNull();
        SSLHandshakeException untrusted = new SSLHandshakeException("PKIX path building failed");
        untrusted.initCause(new CertificateException("unable to find valid certification path"));
        assertThat(EtcdAccess.refusal(untrusted, "k", null, true, true)).contains("certificate is not trusted");
        assertThat(EtcdAccess.refusal(new SSLHandshakeException("Received fatal alert: certificate_required"), "k",
                null, true, false)).contains("did not accept the client certificate").contains("configure a key store");
    }

    @Test
    void anEndpointThatIsNotEtcdIsARefusal() {
        assertThat(EtcdAccess.refusal(io.grpc.Status.UNIMPLEMENTED.withDescription("HTTP status code 404")
                .asRuntimeException(), "k", null, false, false)).contains("does not serve etcd's gRPC API");
        assertThat(EtcdAccess.refusal(io.grpc.Status.UNAVAILABLE.withDescription("io exception")
                .asRuntimeException(), "k", null, false, false)).as("a member that is down").isNull();
    }

    @Test
    void anEndpointWithAUserAndPasswordInItIsRefusedWithoutEchoingThem() {
        for (String endpoint : new String[] {"http://bob:hunter2@127.0.0.1:2379", "https://bob:hunter2@etcd-0"}) {
            assertThatThrownBy(() -> EtcdBackend.builder().endpoints(endpoint).build())
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining("user information")
                    .hasMessageNotContaining("hunter2");
        }
    }

    @Test
    void aUsernameWithoutPasswordOrABlankOneIsRefused() {
        assertThatThrownBy(() -> EtcdBackend.builder().endpoints("http://127.0.0.1:2379").credentials(" ", "p")
                .build()).isInstanceOf(LockConfigurationException.class).hasMessageContaining("'username'");
        assertThatThrownBy(() -> EtcdBackend.builder().endpoints("http://127.0.0.1:2379").credentials("u", null)
                .build()).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("only the username was given");
    }
}
