package dev.sherlock.memory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sherlock.Lock;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the memory backend adds to the contract: distinct keys, eviction for tests, instances that share nothing. */
class MemoryBackendTests {

    private final MemoryBackend backend = new MemoryBackend();

    @Test
    void keysOfDistinctNamespaceAndNamePairsAreDistinct() {
        assertThat(backend.key("a", "b/c")).isNotEqualTo(backend.key("a/b", "c"));
        assertThat(backend.key(null, "orders")).isNotEqualTo(backend.key("", "orders"));
        assertThat(backend.key("1:a", "b")).isNotEqualTo(backend.key("1", "a/b"));
    }

    @Test
    void anEvictedLockIsLostToItsHolderAndFreeForOthers() {
        LockRegistry registry = LockRegistry.of(backend, "billing", LockSettings.defaults());
        Lock lock = registry.getLock("orders");
        lock.acquire();

        assertThat(backend.evict(backend.key("billing", "orders"))).isTrue();

        assertThat(lock.renew()).isFalse();
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
        assertThat(backend.evict(backend.key("billing", "orders"))).isFalse();
    }

    @Test
    void aWaiterIsWokenByTheReleaseNotByItsRetryInterval() throws Exception {
        LockSettings slowPolling = LockSettings.defaults().withRetryInterval(Duration.ofSeconds(30));
        Lock holder = LockRegistry.of(backend, null, slowPolling).getLock("handoff");
        holder.acquire();
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            Lock other = LockRegistry.of(backend, null, slowPolling).getLock("handoff");
            waiting.countDown();
            boolean acquired = other.tryAcquire(Duration.ofSeconds(20));
            other.release();
            return acquired;
        });
        assertThat(waiting.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);

        holder.release();

        assertThat(waiter.get(10, TimeUnit.SECONDS)).as("acquired well before the 30 s retry interval").isTrue();
    }

    @Test
    void separateInstancesShareNothing() {
        Lock first = LockRegistry.of(backend, null, LockSettings.defaults()).getLock("orders");
        Lock second = LockRegistry.of(new MemoryBackend(), null, LockSettings.defaults()).getLock("orders");
        first.acquire();

        assertThat(CompletableFuture.supplyAsync(() -> {
            boolean acquired = second.tryLock();
            second.release();
            return acquired;
        }).join()).isTrue();
        first.release();
    }
}
