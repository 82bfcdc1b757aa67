package dev.sherlock.memcached;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.FaultProxy;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Requests that reach memcached twice. spymemcached cancels the operations in flight when a connection drops (it
 * resends only one it had not finished writing), so the second run comes from the core, which retries a failed
 * attempt with the same owner token: an acquisition that finds its own item continues as if its {@code add} had
 * succeeded, and a release that found its item and then cannot delete it any more has still released it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MemcachedResendTests {

    private static final Duration HOUR = Duration.ofHours(1);

    private static final LocalServer server = TestServers.memcached();

    /** Another process's backend, connected without the proxy. */
    private static final MemcachedBackend direct = MemcachedBackend.builder().servers(MemcachedBackendTests.servers()).build();

    private final FaultProxy proxy = FaultProxy.to(server.host(), server.port());

    private final MemcachedClient client = client(proxy.port());

    private final MemcachedBackend backend = MemcachedBackend.of(client);

    private final String key = backend.key("resend", UUID.randomUUID().toString());

    @AfterEach
    void close() {
        client.shutdown();
        proxy.close();
    }

    @AfterAll
    static void closeDirect() {
        direct.close();
    }

    /** As {@link MemcachedBackend#createClient(String)}, reconnecting after a second instead of two. */
    private static MemcachedClient client(int port) {
        try {
            return new MemcachedClient(new ConnectionFactoryBuilder()
                    .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY).setFailureMode(FailureMode.Retry)
                    .setMaxReconnectDelay(1).setOpTimeout(5000).setDaemon(true).build(),
                    List.of(new InetSocketAddress("127.0.0.1", port)));
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A binary request with this opcode that names the key. */
    private boolean request(String text, int opcode) {
        return text.length() > 1 && text.charAt(0) == 0x80 && text.charAt(1) == opcode && text.contains(key);
    }

    private long counter() throws Exception {
        return Long.parseLong(direct.client().asyncGet(MemcachedKeys.fenceKey(key), OwnerTranscoder.INSTANCE)
                .get(5, TimeUnit.SECONDS).trim());
    }

    @Test
    void anAcquireRetriedWithItsOwnerAfterItsAddWasAppliedButUnansweredIsAcquired() throws Exception {
        proxy.dropReplyAndReset(text -> request(text, 0x02));
        assertThatThrownBy(() -> backend.tryAcquire(key, "owner", HOUR)).hasMessageContaining("'add'");
        assertThat(proxy.drops()).isEqualTo(1);
        assertThat(storedOwner()).isEqualTo("owner");

        AcquireResult retried = backend.tryAcquire(key, "owner", HOUR);

        assertThat(retried.acquired()).isTrue();
        assertThat(retried.fencingToken()).isEqualTo(counter());
        assertThat(direct.tryAcquire(key, "someone-else", HOUR).acquired()).isFalse();
        assertThat(backend.release(key, "owner")).isTrue();
        assertThat(storedOwner()).isNull();
    }

    @Test
    void aRepeatedAcquireDrawsALargerTokenAndRestartsTheLifetime() throws Exception {
        AcquireResult first = backend.tryAcquire(key, "owner", Duration.ofSeconds(30));

        AcquireResult again = backend.tryAcquire(key, "owner", HOUR);

        assertThat(again.acquired()).isTrue();
        // The first token may never have reached the caller; a later one is above every earlier acquisition too.
        assertThat(again.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(ttlSeconds()).isGreaterThan(Duration.ofMinutes(59).toSeconds());
        assertThat(backend.release(key, "owner")).isTrue();
    }

    @Test
    void aReleaseWhoseDeleteWasAppliedButUnansweredLeavesNoLock() throws Exception {
        assertThat(backend.tryAcquire(key, "owner", HOUR).acquired()).isTrue();
        proxy.dropReplyAndReset(text -> request(text, 0x04));

        assertThatThrownBy(() -> backend.release(key, "owner")).hasMessageContaining("'delete'");

        assertThat(proxy.drops()).isEqualTo(1);
        assertThat(storedOwner()).isNull();
        assertThat(backend.tryAcquire(key, "next", HOUR).acquired()).isTrue();
        assertThat(backend.release(key, "next")).isTrue();
    }

    private String storedOwner() throws Exception {
        return direct.client().asyncGet(key, OwnerTranscoder.INSTANCE).get(5, TimeUnit.SECONDS);
    }

    /** The item's remaining lifetime, from memcached's meta protocol (the ASCII {@code mg <key> t} command). */
    private long ttlSeconds() throws IOException {
        try (Socket socket = new Socket(server.host(), server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("mg " + key + " t\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertThat(reply).startsWith("HD t");
            return Long.parseLong(reply.substring(4).trim());
        }
    }
}
