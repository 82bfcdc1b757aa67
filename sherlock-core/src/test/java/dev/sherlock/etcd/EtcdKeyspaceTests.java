package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The etcd backend keeps no key of its own beside the lock keys (fencing tokens are revisions, waiting is a watch,
 * expiry is a lease), so two locks can only meet on a lock key, and {@code EtcdKeysTests} shows that different
 * (namespace, name) pairs never share one. Checked here on a server of its own, with a watch on the whole keyspace.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EtcdKeyspaceTests {

    private static final ByteSequence EVERYTHING = ByteSequence.from(new byte[] {0});

    @Test
    void everyOperationOfALockWritesOnlyItsOwnKey() throws Exception {
        try (LocalServer etcd = LocalServer.start(TestServers.ETCD);
                Client observer = Client.builder().endpoints("http://127.0.0.1:" + etcd.port()).build();
                EtcdBackend backend = EtcdBackend.builder().endpoints("http://127.0.0.1:" + etcd.port()).build();
                EtcdBackend other = EtcdBackend.builder().endpoints("http://127.0.0.1:" + etcd.port()).build()) {
            List<String> written = new CopyOnWriteArrayList<>();
            WatchOption all = WatchOption.builder().withRange(EVERYTHING).build();
            try (Watch.Watcher watcher = observer.getWatchClient().watch(EVERYTHING, all, response -> response
                    .getEvents().forEach(event -> written.add(event.getKeyValue().getKey().toString())))) {
                String key = backend.key(null, "sherlock/fence/" + UUID.randomUUID());
                assertThat(backend.tryAcquire(key, "owner", Duration.ofSeconds(30)).acquired()).isTrue();
                assertThat(backend.tryAcquire(key, "owner", Duration.ofSeconds(30)).acquired()).isTrue();
                assertThat(other.tryAcquire(key, "other", Duration.ofSeconds(30)).acquired()).isFalse();
                assertThat(backend.renew(key, "owner", Duration.ofSeconds(60))).isTrue();
                assertThat(backend.renew(key, "owner", null)).isTrue();
                assertThat(backend.release(key, "owner")).isTrue();
                assertThat(other.tryAcquire(key, "other", null).acquired()).isTrue();
                assertThat(other.release(key, "other")).isTrue();

                String done = "test-marker-" + UUID.randomUUID();
                observer.getKVClient().put(ByteSequence.from(done, StandardCharsets.UTF_8), ByteSequence.EMPTY)
                        .get(10, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(10)).until(() -> written.contains(done));
                assertThat(written).containsOnly(key, done).contains(key);
            }
        }
    }
}
