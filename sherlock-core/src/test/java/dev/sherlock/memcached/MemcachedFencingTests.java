package dev.sherlock.memcached;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.testserver.LocalServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class MemcachedFencingTests {

    private static final Duration MINUTE = Duration.ofSeconds(60);

    private static String uniqueKey(MemcachedBackend backend) {
        return backend.key("fencing-tests", UUID.randomUUID().toString());
    }

    private static long acquireAndRelease(MemcachedBackend backend, String key) {
        String owner = "owner-" + UUID.randomUUID();
        AcquireResult result = backend.tryAcquire(key, owner, MINUTE);
        assertThat(result.acquired()).isTrue();
        assertThat(backend.release(key, owner)).isTrue();
        return result.fencingToken();
    }

    @Test
    void aHolderWhoseLockVanishesBeforeItsTokenIsDrawnGetsNoToken() throws Exception {
        try (InterleavingClient client = new InterleavingClient(MemcachedBackendTests.servers());
                MemcachedBackend next = MemcachedBackend.builder().servers(MemcachedBackendTests.servers()).build()) {
            MemcachedBackend late = MemcachedBackend.of(client);
            String key = uniqueKey(late);
            long[] nextToken = new long[1];
            // Between the late holder's add and its incr, its item expires and the next holder acquires.
            client.before(InterleavingClient.Before.INCR, () -> {
                assertThat(client.delete(key).get(5, TimeUnit.SECONDS)).isTrue();
                AcquireResult taken = next.tryAcquire(key, "next", MINUTE);
                assertThat(taken.acquired()).isTrue();
                nextToken[0] = taken.fencingToken();
            });
            assertThat(late.tryAcquire(key, "late", MINUTE).acquired()).isFalse();
            assertThat(client.ran()).isTrue();
            assertThat(late.isLocked(key)).isTrue();
            assertThat(late.release(key, "late")).isFalse();
            assertThat(next.release(key, "next")).isTrue();
            assertThat(acquireAndRelease(late, key)).isGreaterThan(nextToken[0]);
        }
    }

    @Test
    void aHolderWhoseLockIsEvictedMidAcquireFailsAndLeavesNothing() throws Exception {
        try (InterleavingClient client = new InterleavingClient(MemcachedBackendTests.servers())) {
            MemcachedBackend late = MemcachedBackend.of(client);
            String key = uniqueKey(late);
            client.before(InterleavingClient.Before.INCR, () -> assertThat(client.delete(key).get(5, TimeUnit.SECONDS)).isTrue());
            assertThat(late.tryAcquire(key, "late", MINUTE).acquired()).isFalse();
            assertThat(client.ran()).isTrue();
            assertThat(late.isLocked(key)).isFalse();
        }
    }

    @Test
    void tokensKeepIncreasingAfterFlushAll() throws Exception {
        try (MemcachedBackend backend = MemcachedBackend.builder().servers(MemcachedBackendTests.servers()).build()) {
            String key = uniqueKey(backend);
            long before = 0;
            for (int i = 0; i < 3; i++) {
                long token = acquireAndRelease(backend, key);
                assertThat(token).isGreaterThan(before);
                before = token;
                assertThat(backend.release(key, "nobody")).isFalse();
            }
            String held = uniqueKey(backend);
            assertThat(backend.tryAcquire(held, "holder", MINUTE).acquired()).isTrue();
            assertThat(backend.client().flush().get(5, TimeUnit.SECONDS)).isTrue();
            // flush_all drops the locks and the counters alike.
            assertThat(backend.isLocked(held)).isFalse();
            assertThat(backend.renew(held, "holder", MINUTE)).isFalse();
            assertThat(acquireAndRelease(backend, key)).isGreaterThan(before);
        }
    }

    @Test
    void aRestartLosesLocksButTokensKeepIncreasing() throws Exception {
        int port = LocalServer.freePorts(1)[0];
        LocalServer server = LocalServer.start(memcachedAlsoOn(port));
        try (MemcachedBackend backend = MemcachedBackend.builder().servers("127.0.0.1:" + port).build()) {
            String key = uniqueKey(backend);
            long before = acquireAndRelease(backend, key);
            before = Math.max(before, acquireAndRelease(backend, key));
            String held = uniqueKey(backend);
            assertThat(backend.tryAcquire(held, "holder", MINUTE).acquired()).isTrue();

            server.kill();
            server = LocalServer.start(memcachedAlsoOn(port));

            // The client reconnects in the background; operations fail until it has.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> backend.tryAcquire(held, "after-restart", MINUTE).acquired());
            assertThat(backend.renew(held, "holder", MINUTE)).isFalse();
            assertThat(acquireAndRelease(backend, key)).isGreaterThan(before);
        }
        finally {
            server.close();
        }
    }

    /** memcached on a free port for the fixture, and on {@code port}, which stays the same across restarts. */
    private static LocalServer.Spec memcachedAlsoOn(int port) {
        return new LocalServer.Spec("memcached", "memcached", "memcached", 1,
                (binary, ports, dir) -> List.of(binary, "-p", Integer.toString(ports[0]), "-U", "0", "-l",
                        "127.0.0.1:" + ports[0] + ",127.0.0.1:" + port, "-u", System.getProperty("user.name"),
                        "-m", "64"));
    }
}
