package dev.sherlock.memcached;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.AuthThread;
import net.spy.memcached.auth.PlainCallbackHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static dev.sherlock.testserver.TestServers.SASL_PASSWORD;
import static dev.sherlock.testserver.TestServers.SASL_USERNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * SASL authentication against a real memcached started with {@code -S}, and the startup check that tells a refused
 * authentication from a server that is down. The password must show up in no message, log line or toString().
 */
class MemcachedSaslTests {

    private static final String WRONG_PASSWORD = "wrong-Hk4-never-shown";

    private static final Duration MINUTE = Duration.ofSeconds(60);

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        events.start();
        root.addAppender(events);
    }

    @AfterEach
    void noPasswordLogged() {
        root.detachAppender(events);
        assertThat(events.list).extracting(MemcachedSaslTests::logged)
                .noneMatch(line -> line.contains(SASL_PASSWORD) || line.contains(WRONG_PASSWORD));
    }

    @Test
    void theRightCredentialsPassTheCheckAndAcquireAndReleaseALock() {
        try (MemcachedBackend backend = MemcachedBackend.builder().servers(saslServer())
                .credentials(SASL_USERNAME, SASL_PASSWORD).build()) {
            backend.checkAccess(null);
            String key = backend.key("sasl-tests", UUID.randomUUID().toString());
            AcquireResult first = backend.tryAcquire(key, "owner-1", MINUTE);
            assertThat(first.acquired()).isTrue();
            assertThat(first.fencingToken()).isPositive();
            assertThat(backend.isLocked(key)).isTrue();
            assertThat(backend.tryAcquire(key, "owner-2", MINUTE).acquired()).isFalse();
            assertThat(backend.release(key, "owner-1")).isTrue();
            assertThat(backend.isLocked(key)).isFalse();
            AcquireResult second = backend.tryAcquire(key, "owner-2", MINUTE);
            assertThat(second.acquired()).isTrue();
            assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
            assertThat(backend.release(key, "owner-2")).isTrue();
            assertThat(backend.toString()).contains("SASL user '" + SASL_USERNAME + "'").doesNotContain(SASL_PASSWORD);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void aWrongPasswordFailsTheCheckNamingTheServerAndTheUser() {
        try (MemcachedBackend backend = MemcachedBackend.builder().servers(saslServer())
                .credentials(SASL_USERNAME, WRONG_PASSWORD).build()) {
            LockConfigurationException refused = catchThrowableOfType(LockConfigurationException.class,
                    () -> backend.checkAccess(null));
            assertThat(refused).hasMessage("Backend memcached: SASL authentication as '" + SASL_USERNAME
                    + "' failed on " + saslServer() + " (the server answered 'Auth failure.'); check the username"
                    + " and password. No lock can be taken there until this is fixed");
            assertThat(backend.toString()).doesNotContain(WRONG_PASSWORD);
        }
    }

    @Test
    void noCredentialsAgainstASaslServerFailTheCheckSayingAuthenticationIsRequired() {
        try (MemcachedBackend backend = MemcachedBackend.builder().servers(saslServer()).build()) {
            assertThatThrownBy(() -> backend.checkAccess("billing")).isInstanceOf(LockConfigurationException.class)
                    .hasMessage("Backend memcached: the server " + saslServer() + " requires SASL authentication"
                            + " (the server answered 'Auth failure.'); set the username and password. No lock can"
                            + " be taken there until this is fixed");
        }
    }

    @Test
    void anApplicationClientThatDoesNotAuthenticateFailsTheCheck() {
        MemcachedClient client = MemcachedBackend.createClient(saslServer());
        try {
            assertThatThrownBy(() -> MemcachedBackend.of(client).checkAccess(null))
                    .isInstanceOf(LockConfigurationException.class)
                    .hasMessageStartingWith("Backend memcached: the server " + saslServer() + " requires SASL"
                            + " authentication, and the application's MemcachedClient did not authenticate");
        }
        finally {
            client.shutdown();
        }
    }

    @Test
    void anApplicationClientThatAuthenticatesPassesTheCheckAndLocks() throws Exception {
        MemcachedClient client = new MemcachedClient(new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY).setDaemon(true)
                .setAuthDescriptor(new AuthDescriptor(new String[] {"PLAIN"},
                        new PlainCallbackHandler(SASL_USERNAME, SASL_PASSWORD))).build(),
                AddrUtil.getAddresses(saslServer()));
        try (MemcachedBackend backend = MemcachedBackend.of(client)) {
            backend.checkAccess(null);
            String key = backend.key("sasl-tests", UUID.randomUUID().toString());
            AcquireResult acquired = backend.tryAcquire(key, "owner", MINUTE);
            assertThat(acquired.acquired()).isTrue();
            assertThat(acquired.fencingToken()).isPositive();
            assertThat(backend.release(key, "owner")).isTrue();
        }
        finally {
            client.shutdown();
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void credentialsForAServerWithoutSaslFailTheCheck() {
        LocalServer plain = TestServers.memcached();
        String server = plain.host() + ":" + plain.port();
        try (MemcachedBackend backend = MemcachedBackend.builder().servers(server)
                .credentials(SASL_USERNAME, SASL_PASSWORD).build()) {
            assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                    .hasMessage("Backend memcached: the server " + server + " does not support SASL authentication"
                            + " (the server answered 'Unknown command'), yet a username and password are set; start"
                            + " memcached with -S, or remove the credentials. No lock can be taken there until this"
                            + " is fixed");
        }
    }

    @Test
    void anUnreachableServerPassesTheCheckWithOneWarning() {
        String nobody = "127.0.0.1:" + LocalServer.freePorts(1)[0];
        try (MemcachedBackend backend = MemcachedBackend.builder().servers(nobody)
                .credentials(SASL_USERNAME, SASL_PASSWORD).build()) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> backend.checkAccess(null));
        }
        assertThat(warnings()).singleElement().asString()
                .startsWith("Backend memcached: cannot check access to " + nobody + " (java.net.ConnectException")
                .endsWith("within 2500 ms; starting anyway. Locks there fail until the server answers");
    }

    @Test
    void aServerThatAcceptsButNeverAnswersPassesTheCheckWithOneWarning() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                MemcachedBackend backend = MemcachedBackend.builder().servers("127.0.0.1:" + silent.getLocalPort())
                        .credentials(SASL_USERNAME, SASL_PASSWORD).build()) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> backend.checkAccess(null));
            assertThat(warnings()).singleElement().asString()
                    .startsWith("Backend memcached: cannot check access to 127.0.0.1:" + silent.getLocalPort()
                            + " (java.net.SocketTimeoutException");
        }
    }

    @Test
    void anApplicationClientWithNoServerPassesTheCheckWithOneWarning() {
        String nobody = "127.0.0.1:" + LocalServer.freePorts(1)[0];
        MemcachedClient client = MemcachedBackend.createClient(nobody);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> MemcachedBackend.of(client).checkAccess(null));
        }
        finally {
            client.shutdown();
        }
        assertThat(warnings()).singleElement().asString()
                .isEqualTo("Backend memcached: cannot check access to " + nobody + " (no answer; the server is down,"
                        + " unreachable, or refused the client's own SASL authentication) within 2500 ms; starting"
                        + " anyway. Locks there fail until the server answers");
    }

    @Test
    void closingABackendWhoseAuthenticationFailsDoesNotHang() {
        MemcachedBackend backend = MemcachedBackend.builder().servers(saslServer())
                .credentials(SASL_USERNAME, WRONG_PASSWORD).build();
        // spymemcached retries the refused authentication in the background for as long as the client is open.
        await().atMost(Duration.ofSeconds(10)).until(() -> !authThreads().isEmpty());
        assertTimeoutPreemptively(Duration.ofSeconds(15), backend::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> authThreads().isEmpty());
    }

    @Test
    void credentialsWithAnApplicationClientAreAConfigurationError() {
        MemcachedClient client = MemcachedBackend.createClient(saslServer());
        try {
            assertThatThrownBy(() -> MemcachedBackend.builder().client(client)
                    .credentials(SASL_USERNAME, SASL_PASSWORD).build())
                    .isInstanceOf(LockConfigurationException.class)
                    .hasMessage("Backend memcached: 'credentials' (SASL user '" + SASL_USERNAME + "') apply only to"
                            + " the client the backend creates from 'servers'; the application's 'client'"
                            + " authenticates on its own. Give its ConnectionFactoryBuilder an AuthDescriptor, or"
                            + " give 'servers' instead of 'client'");
        }
        finally {
            client.shutdown();
        }
    }

    @Test
    void aBlankUsernameOrAMissingPasswordIsAConfigurationErrorNamingTheField() {
        assertThatThrownBy(() -> MemcachedBackend.builder().credentials(" ", SASL_PASSWORD))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend memcached: 'username' must not be blank when credentials are given; SASL"
                        + " authentication needs the user to authenticate as");
        assertThatThrownBy(() -> MemcachedBackend.builder().credentials(SASL_USERNAME, null))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend memcached: 'password' of user '" + SASL_USERNAME + "' must not be null; SASL"
                        + " authentication needs it");
    }

    private static String saslServer() {
        LocalServer server = TestServers.memcachedSasl();
        return server.host() + ":" + server.port();
    }

    private List<String> warnings() {
        return events.list.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                .filter(event -> event.getLoggerName().startsWith("dev.sherlock"))
                .map(MemcachedSaslTests::logged).toList();
    }

    private static String logged(ILoggingEvent event) {
        return event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                : " " + event.getThrowableProxy().getMessage());
    }

    private static List<Thread> authThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> thread instanceof AuthThread)
                .filter(Thread::isAlive).toList();
    }
}
