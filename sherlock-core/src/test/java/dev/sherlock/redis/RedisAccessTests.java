package dev.sherlock.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.StoreException;
import dev.sherlock.testserver.LocalServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The startup check on a real redis-server with ACL users: it passes for a user with what locks need and names the
 * server and what was refused otherwise (no password, a wrong one, no scripts, no release channel), changing no
 * key; a server that does not answer only warns.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisAccessTests {

    private static final String PASSWORD = "acl-Passw0rd-xyz";

    /** redis-server whose default user needs a password, with users that lack one permission each. */
    private static final LocalServer.Spec ACL = new LocalServer.Spec("redis-acl", "redis-server", "redis-server", 1,
            (binary, ports, dir) -> List.of(binary, "--port", Integer.toString(ports[0]), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--user", "default", "on", ">" + PASSWORD, "~*", "&*", "+@all",
                    "--user", "locks", "on", ">" + PASSWORD, "~*", "&*", "+@all",
                    "--user", "nochannel", "on", ">" + PASSWORD, "~*", "resetchannels", "+@all",
                    "--user", "noscript", "on", ">" + PASSWORD, "~*", "&*", "+@all", "-@scripting",
                    "--user", "notrim", "on", ">" + PASSWORD, "~*", "&*", "+@all", "-ltrim"));

    private static LocalServer server;

    private final List<LettuceConnectionFactory> factories = new ArrayList<>();

    @BeforeAll
    static void start() {
        server = LocalServer.start(ACL);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void closeFactories() {
        factories.forEach(LettuceConnectionFactory::destroy);
    }

    private RedisBackend backend(String user, String password) {
        LettuceConnectionFactory factory = RedisTestSupport.factory(server, user, password);
        factories.add(factory);
        return RedisBackend.of(factory);
    }

    private String where() {
        return server.host() + ":" + server.port();
    }

    @Test
    void aUserWithWhatLocksNeedPassesAndTheCheckChangesNoKey() {
        RedisBackend backend = backend("locks", PASSWORD);
        backend.checkAccess("billing");

        String key = backend.key("billing", RedisAccess.PROBE_NAME);
        try (var connection = factories.get(0).getConnection()) {
            assertThat(connection.keyCommands().exists(key.getBytes(), backend.fenceKey(key).getBytes(),
                    backend.waitingKey(key).getBytes(), backend.releasedKey(key).getBytes())).isZero();
        }
        String lock = "lock-" + UUID.randomUUID();
        assertThat(backend.tryAcquire(lock, "owner", Duration.ofMinutes(1)).fencingToken()).isPositive();
        assertThat(backend.release(lock, "owner")).isTrue();
    }

    @Test
    void aWrongPasswordIsRefusedNamingTheServer() {
        RedisBackend backend = backend("locks", "wrong-" + PASSWORD);
        assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("Backend redis at " + where() + " refused the connection: authentication failed")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void noPasswordIsRefusedAskingForOne() {
        RedisBackend backend = backend(null, null);
        assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("requires authentication and none was given");
    }

    @Test
    void aUserWithoutScriptsIsRefusedPointingToThePermissions() {
        RedisBackend backend = backend("noscript", PASSWORD);
        assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("the Redis user lacks a permission locks need")
                .hasMessageContaining("docs/redis.md (Permissions)");
    }

    @Test
    void aUserWithoutACommandOfTheReleasedListIsRefusedBeforeAnyReleaseCouldFailHalfway() {
        RedisBackend backend = backend("notrim", PASSWORD);
        assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("the Redis user lacks a permission locks need");
        // Without the check, a release is refused before it deletes anything: the lock stays held.
        String key = backend.key(null, "notrim-" + UUID.randomUUID());
        assertThat(backend.tryAcquire(key, "holder", Duration.ofMinutes(1)).acquired()).isTrue();
        assertThatThrownBy(() -> backend.release(key, "holder")).isInstanceOf(StoreException.class);
        assertThat(backend.isLocked(key)).isTrue();
    }

    @Test
    void aUserThatMayNotPublishOnTheReleaseChannelIsRefused() {
        RedisBackend backend = backend("nochannel", PASSWORD);
        assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("can't publish to the channel");
    }

    @Test
    void aServerThatAcceptsButNeverAnswersOnlyWarnsAfterTheChecksOwnTimeout() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(RedisAccess.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            LettuceConnectionFactory factory = RedisTestSupport.factory("127.0.0.1", silent.getLocalPort());
            factories.add(factory);
            // Without notifications: subscribing would itself wait for Lettuce's timeout (not the check's concern).
            RedisBackend backend = RedisBackend.builder().connectionFactory(factory).notifications(false).build();
            long started = System.nanoTime();
            backend.checkAccess(null);

            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("not Lettuce's 60 s command timeout")
                    .isLessThan(Duration.ofSeconds(30));
            assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage()).contains("no answer within 5000 ms"));
        }
        finally {
            logger.detachAppender(events);
        }
    }

    @Test
    void anUnreachableServerIsNoRefusalButAWarning() {
        Logger logger = (Logger) LoggerFactory.getLogger(RedisAccess.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        int port = LocalServer.freePorts(1)[0];
        LettuceConnectionFactory factory = RedisTestSupport.factory("127.0.0.1", port);
        factories.add(factory);
        try {
            RedisBackend.of(factory).checkAccess(null);

            assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN).singleElement()
                    .satisfies(event -> assertThat(event.getFormattedMessage())
                            .contains("could not check access to 127.0.0.1:" + port).contains("starting anyway"));
        }
        finally {
            logger.detachAppender(events);
        }
    }
}
