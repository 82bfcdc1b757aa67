package dev.sherlock.memcached;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race py-sherlock 0.4.1 and ShedLock lose: the holder reads its own token, its lock expires and another
 * process takes it, then the old holder deletes or overwrites the key. Here the CAS check makes the late step fail,
 * and the new holder keeps its lock.
 */
class MemcachedOwnershipRaceTests {

    private static final Duration MINUTE = Duration.ofSeconds(60);

    private static InterleavingClient client;

    private static MemcachedBackend stale;

    private static MemcachedBackend next;

    @BeforeAll
    static void connect() throws Exception {
        client = new InterleavingClient(MemcachedBackendTests.servers());
        stale = MemcachedBackend.of(client);
        next = MemcachedBackend.builder().servers(MemcachedBackendTests.servers()).build();
    }

    @AfterAll
    static void close() {
        client.close();
        next.close();
    }

    private static String uniqueKey() {
        return stale.key("race-tests", UUID.randomUUID().toString());
    }

    /** Between the stale holder's gets and its next step, its item expires and the next holder acquires. */
    private static void takeOverBefore(InterleavingClient.Before step, String key) {
        client.before(step, () -> {
            assertThat(client.delete(key).get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(next.tryAcquire(key, "next", MINUTE).acquired()).isTrue();
        });
    }

    private static String storedOwner(String key) throws Exception {
        return next.client().asyncGet(key, OwnerTranscoder.INSTANCE).get(5, TimeUnit.SECONDS);
    }

    /** The read saw the lock still ours when the release was asked: the hold ended then, it was not lost. */
    @Test
    void aReleaseWhoseLockIsTakenOverAfterItsReadLeavesTheNewHoldersLock() throws Exception {
        String key = uniqueKey();
        assertThat(stale.tryAcquire(key, "stale", MINUTE).acquired()).isTrue();
        takeOverBefore(InterleavingClient.Before.DELETE, key);
        assertThat(stale.release(key, "stale")).isTrue();
        assertThat(client.ran()).isTrue();
        assertThat(storedOwner(key)).isEqualTo("next");
        assertThat(next.release(key, "next")).isTrue();
    }

    @Test
    void aRenewWhoseLockIsTakenOverAfterItsReadLeavesTheNewHoldersLock() throws Exception {
        String key = uniqueKey();
        assertThat(stale.tryAcquire(key, "stale", MINUTE).acquired()).isTrue();
        takeOverBefore(InterleavingClient.Before.CAS, key);
        assertThat(stale.renew(key, "stale", null)).isFalse();
        assertThat(client.ran()).isTrue();
        assertThat(storedOwner(key)).isEqualTo("next");
        assertThat(next.release(key, "next")).isTrue();
    }

    /** What a delete sent twice looks like, too: the first run deleted the item, the second finds nothing. */
    @Test
    void aReleaseWhoseItemIsGoneAfterItsReadHasReleasedTheLock() throws Exception {
        String key = uniqueKey();
        assertThat(stale.tryAcquire(key, "stale", MINUTE).acquired()).isTrue();
        client.before(InterleavingClient.Before.DELETE,
                () -> assertThat(client.delete(key).get(5, TimeUnit.SECONDS)).isTrue());
        assertThat(stale.release(key, "stale")).isTrue();
        assertThat(client.ran()).isTrue();
        assertThat(stale.isLocked(key)).isFalse();
    }

    @Test
    void aRenewRacingAnotherRenewOfTheSameHoldStillRenews() throws Exception {
        String key = uniqueKey();
        assertThat(stale.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        client.before(InterleavingClient.Before.CAS, () -> assertThat(next.renew(key, "holder", MINUTE)).isTrue());
        assertThat(stale.renew(key, "holder", MINUTE)).isTrue();
        assertThat(client.ran()).isTrue();
        assertThat(storedOwner(key)).isEqualTo("holder");
        assertThat(stale.release(key, "holder")).isTrue();
    }

    @Test
    void aReleaseRacingARenewOfTheSameHoldStillReleases() throws Exception {
        String key = uniqueKey();
        assertThat(stale.tryAcquire(key, "holder", MINUTE).acquired()).isTrue();
        client.before(InterleavingClient.Before.DELETE, () -> assertThat(next.renew(key, "holder", MINUTE)).isTrue());
        assertThat(stale.release(key, "holder")).isTrue();
        assertThat(client.ran()).isTrue();
        assertThat(stale.isLocked(key)).isFalse();
    }
}
