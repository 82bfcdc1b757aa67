package dev.sherlock.memcached;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockBackendException;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.spi.StoreException;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.CachedData;
import net.spy.memcached.DefaultConnectionFactory;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.transcoders.Transcoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class MemcachedBackendTests {

    private static final Duration MINUTE = Duration.ofSeconds(60);

    private static MemcachedBackend backend;

    private static MemcachedBackend other;

    @BeforeAll
    static void connect() {
        backend = MemcachedBackend.builder().servers(servers()).build();
        other = MemcachedBackend.builder().servers(servers()).build();
    }

    @AfterAll
    static void close() {
        backend.close();
        other.close();
    }

    static String servers() {
        LocalServer server = TestServers.memcached();
        return server.host() + ":" + server.port();
    }

    private static String uniqueKey() {
        return backend.key("memcached-tests", UUID.randomUUID().toString());
    }

    private static CachedData stored(String key) throws Exception {
        return backend.client().asyncGet(key, new RawTranscoder()).get(5, TimeUnit.SECONDS);
    }

    @Test
    void staleReleaseAfterTakeoverLeavesTheNewHoldersLockIntact() throws Exception {
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "stale", Duration.ofSeconds(1)).acquired()).isTrue();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> other.tryAcquire(key, "next", MINUTE).acquired());
        assertThat(backend.release(key, "stale")).isFalse();
        assertThat(backend.renew(key, "stale", MINUTE)).isFalse();
        assertThat(stored(key).getData()).asString(StandardCharsets.UTF_8).isEqualTo("next");
        assertThat(backend.tryAcquire(key, "third", MINUTE).acquired()).isFalse();
        assertThat(other.release(key, "next")).isTrue();
        assertThat(backend.isLocked(key)).isFalse();
    }

    @Test
    void releaseAndRenewOfAnotherOwnerLeaveTheLock() throws Exception {
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        assertThat(other.release(key, "intruder")).isFalse();
        assertThat(other.renew(key, "intruder", null)).isFalse();
        assertThat(stored(key).getData()).asString(StandardCharsets.UTF_8).isEqualTo("holder");
        assertThat(backend.release(key, "holder")).isTrue();
        assertThat(backend.release(key, "holder")).isFalse();
    }

    /** The shared renewal scheduler and a manual renew() may renew one hold at the same time. */
    @Test
    void concurrentRenewalsOfOneHoldAllSucceed() throws Exception {
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        ExecutorService executor = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> renewers = new ArrayList<>();
            for (MemcachedBackend client : List.of(backend, other)) {
                renewers.add(executor.submit(() -> {
                    int renewed = 0;
                    for (int i = 0; i < 100; i++) {
                        renewed += client.renew(key, "holder", MINUTE) ? 1 : 0;
                    }
                    return renewed;
                }));
            }
            for (Future<Integer> renewer : renewers) {
                assertThat(renewer.get(1, TimeUnit.MINUTES)).isEqualTo(100);
            }
        }
        finally {
            executor.shutdownNow();
        }
        assertThat(backend.release(key, "holder")).isTrue();
    }

    @Test
    void aReleaseRacingRenewalsOfItsHoldDeletesTheLock() throws Exception {
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> renewer = executor.submit(() -> {
                int renewed = 0;
                while (other.renew(key, "holder", MINUTE)) {
                    renewed++;
                }
                return renewed;
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.client().gets(key) != null);
            assertThat(backend.release(key, "holder")).isTrue();
            assertThat(renewer.get(1, TimeUnit.MINUTES)).isNotNegative();
        }
        finally {
            executor.shutdownNow();
        }
        assertThat(backend.isLocked(key)).isFalse();
    }

    @Test
    void renewalsAreBatchedOnlyOnASingleServer() {
        assertThat(backend.renewsInBatches()).as("pipelined on its one connection").isTrue();
        // The second server need not be up: the client knows two nodes either way.
        MemcachedClient twoNodes = MemcachedBackend.createClient(servers() + " 127.0.0.2:1");
        try {
            assertThat(MemcachedBackend.of(twoNodes).renewsInBatches())
                    .as("a batch would wait for the slowest server").isFalse();
        }
        finally {
            twoNodes.shutdown();
        }
    }

    @Test
    void aClientThatRefusesTheCallFailsAsTheStoreWithTheOperationAndTheKey() {
        MemcachedClient closed = MemcachedBackend.createClient(servers());
        closed.shutdown();
        MemcachedBackend failing = MemcachedBackend.of(closed);
        String key = uniqueKey();
        // spymemcached throws IllegalStateException("Shutting down"); the backend reports it as its store failing.
        assertThatThrownBy(() -> failing.tryAcquire(key, "holder", MINUTE)).isInstanceOf(StoreException.class)
                .hasMessageStartingWith("memcached 'acquire' of key '" + key + "' failed: ")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void anInterruptWhileARequestIsInFlightWaitsForItsAnswerAndKeepsTheInterruptStatus() throws Exception {
        MemcachedClient client = MemcachedBackend.createClient(servers());
        try {
            MemcachedCalls calls = new MemcachedCalls(client);
            CompletableFuture<String> answer = new CompletableFuture<>();
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    String value = calls.await(answer, "gets", "jobs");
                    outcome.complete(Thread.currentThread().isInterrupted() ? value : "interrupt status lost");
                }
                catch (Throwable ex) {
                    outcome.complete(ex);
                }
            });
            caller.start();
            await().until(() -> caller.getState() == Thread.State.TIMED_WAITING);
            caller.interrupt();
            Thread.sleep(100);
            assertThat(outcome).isNotDone();
            // The request was sent: its answer, not the interrupt, ends the call.
            answer.complete("holder");
            assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo("holder");
        }
        finally {
            client.shutdown();
        }
    }

    @Test
    void locksUsePySherlockKeysWithTheOwnerAsRawBytes() throws Exception {
        String name = "orders-" + UUID.randomUUID();
        MemcachedLock lock = new MemcachedLock(name, backend.client(), "billing", LockSettings.defaults());
        lock.acquire();
        CachedData value = stored("billing_" + name);
        assertThat(value).isNotNull();
        assertThat(value.getFlags()).isZero();
        assertThat(value.getData()).asString(StandardCharsets.UTF_8).matches("[0-9a-f]{32}-[0-9]+");
        lock.release();
        assertThat(stored("billing_" + name)).isNull();
    }

    @Test
    void aPythonHoldersKeyExcludesJavaUntilItIsDeleted() throws Exception {
        String name = "invoices-" + UUID.randomUUID();
        String pythonOwner = UUID.randomUUID().toString();
        // What py-sherlock's MCLock('<name>', namespace='billing') does with pylibmc: add(key, str(uuid4()), expire).
        assertThat(backend.client().add("billing_" + name, 60, pythonOwner, OwnerTranscoder.INSTANCE)
                .get(5, TimeUnit.SECONDS)).isTrue();
        MemcachedLock lock = new MemcachedLock(name, backend.client(), "billing", LockSettings.defaults());
        assertThat(lock.acquire(false)).isFalse();
        assertThat(lock.locked()).isTrue();
        assertThat(backend.client().delete("billing_" + name).get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(lock.acquire(false)).isTrue();
        lock.release();
    }

    @Test
    void expiriesBeyondThirtyDaysKeepTheLock() {
        String key = uniqueKey();
        // Sent as a relative 31 days, memcached would read a Unix time in 1970 and drop the item at once.
        assertThat(backend.tryAcquire(key, "holder", Duration.ofDays(31)).acquired()).isTrue();
        assertThat(backend.isLocked(key)).isTrue();
        assertThat(other.tryAcquire(key, "other", MINUTE).acquired()).isFalse();
        assertThat(backend.renew(key, "holder", Duration.ofDays(400))).isTrue();
        assertThat(backend.isLocked(key)).isTrue();
        assertThat(backend.release(key, "holder")).isTrue();
    }

    @Test
    void expiriesEndingAfter2038AreRefusedWhenTheLockIsCreatedNamingTheLockAndTheLimit() {
        String name = "far-" + UUID.randomUUID();
        assertThatThrownBy(() -> new MemcachedLock(name, backend.client(), null,
                LockSettings.defaults().withExpire(Duration.ofDays(365L * 20))))
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("Lock '" + name + "' (backend memcached): 'expire' PT175200H")
                .hasMessageContaining("2038-01-19T03:14:07Z");
    }

    @Test
    void theBackendReportsTheExpiriesItCannotHonour() {
        assertThat(backend.unsupportedExpire(Duration.ofMillis(500))).startsWith("is shorter than the 1 s");
        assertThat(backend.unsupportedExpire(Duration.ofDays(365L * 20))).startsWith("would end after 2038");
        assertThat(backend.unsupportedExpire(Duration.ofSeconds(1))).isNull();
        assertThat(backend.unsupportedExpire(Duration.ofDays(365))).isNull();
    }

    @Test
    void aLockNamedLikeAnotherLocksCounterLeavesThatCounterAlone() throws Exception {
        String name = "counted-" + UUID.randomUUID();
        String key = backend.key(null, name);
        long first = backend.tryAcquire(key, "holder", MINUTE).fencingToken();
        assertThat(backend.release(key, "holder")).isTrue();

        String lookalike = backend.key(null, MemcachedKeys.fenceKey(key));
        assertThat(lookalike).isNotEqualTo(MemcachedKeys.fenceKey(key)).startsWith("~e~");
        assertThat(backend.tryAcquire(lookalike, "other", MINUTE).acquired()).isTrue();
        assertThat(backend.tryAcquire(lookalike, "third", MINUTE).acquired()).isFalse();
        assertThat(backend.release(lookalike, "other")).isTrue();

        // The counter went up by exactly one: nobody else touched it.
        assertThat(backend.tryAcquire(key, "holder", MINUTE).fencingToken()).isEqualTo(first + 1);
        assertThat(backend.release(key, "holder")).isTrue();
    }

    @Test
    void anAsciiClientIsRefusedWithWhatToUseInstead() throws IOException {
        MemcachedClient ascii = new MemcachedClient(new DefaultConnectionFactory(), AddrUtil.getAddresses(servers()));
        try {
            assertThatThrownBy(() -> MemcachedBackend.of(ascii)).isInstanceOf(LockConfigurationException.class)
                    .hasMessageContaining("ASCII").hasMessageContaining("BinaryConnectionFactory");
        }
        finally {
            ascii.shutdown();
        }
    }

    @Test
    void malformedServerListsFailWithTheProperty() {
        assertThatThrownBy(() -> MemcachedBackend.builder().servers(" ").build()).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("'servers' must not be empty");
        assertThatThrownBy(() -> MemcachedBackend.builder().servers("cache1").build()).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("'servers' 'cache1' is not a list of host:port pairs");
    }

    @Test
    void unresolvableHostsFailWithTheProperty() {
        assertThatThrownBy(() -> MemcachedBackend.builder().servers("no-such-host.invalid:11211").build())
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("'servers' 'no-such-host.invalid:11211'");
    }

    @Test
    void anUnreachableServerFailsTheAcquireNamingTheLockAndTheServer() {
        String address = "127.0.0.1:" + LocalServer.freePorts(1)[0];
        try (MemcachedBackend unreachable = MemcachedBackend.builder().servers(address).build()) {
            MemcachedLock lock = new MemcachedLock("orders", unreachable.client());
            assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                    .hasMessageContaining("Lock 'orders' (backend memcached): acquire failed")
                    .hasMessageContaining("timed out").hasMessageContaining(address);
            assertThat(lock.isHeldByCurrentThread()).isFalse();
        }
    }

    @Test
    void closingABackendLeavesAnApplicationsClientOpen() throws Exception {
        MemcachedBackend.of(backend.client()).close();
        String key = uniqueKey();
        assertThat(backend.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        assertThat(backend.release(key, "holder")).isTrue();
    }

    /** Reads an item's bytes and flags as stored. */
    private static final class RawTranscoder implements Transcoder<CachedData> {

        @Override
        public boolean asyncDecode(CachedData data) {
            return false;
        }

        @Override
        public CachedData encode(CachedData data) {
            return data;
        }

        @Override
        public CachedData decode(CachedData data) {
            return data;
        }

        @Override
        public int getMaxSize() {
            return CachedData.MAX_SIZE;
        }
    }
}
