package dev.sherlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A registry lists the locks this JVM holds or waits for: holder, token, age, validity and local waiters. */
class LockSnapshotTests {

    private final LockRegistry registry = LockRegistry.of(new InMemoryBackend(), "billing",
            LockSettings.defaults().withExpire(Duration.ofMinutes(1)));

    @Test
    void aHeldLockIsListedWithItsHolderTokenAndWaitersAndGoneOnceReleased() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long[] token = new long[1];
        Thread holder = new Thread(() -> {
            try (Lock lock = registry.acquire("orders")) {
                token[0] = lock.fencingToken();
                held.countDown();
                release.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, "holder-thread");
        holder.start();
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            Lock lock = registry.getLock("orders");
            boolean acquired = lock.tryAcquire(Duration.ofSeconds(30));
            lock.release();
            return acquired;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.locks().get(0).waiters() == 1);

        LockSnapshot snapshot = registry.locks().get(0);

        assertThat(registry.locks()).hasSize(1);
        assertThat(snapshot.name()).isEqualTo("orders");
        assertThat(snapshot.namespace()).isEqualTo("billing");
        assertThat(snapshot.backend()).isEqualTo("memory");
        assertThat(snapshot.held()).isTrue();
        assertThat(snapshot.fencingToken()).isEqualTo(token[0]).isPositive();
        assertThat(snapshot.holderThread()).isEqualTo("holder-thread");
        assertThat(snapshot.heldFor()).isGreaterThanOrEqualTo(Duration.ZERO);
        assertThat(snapshot.validFor()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        release.countDown();
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isTrue();
        holder.join();
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.locks().isEmpty());
    }

    @Test
    void aLockThatNeverExpiresHasNoValidity() {
        try (Lock lock = registry.getLock("forever", registry.settings().withoutExpiry())) {
            lock.acquire();
            LockSnapshot snapshot = registry.locks().get(0);
            assertThat(snapshot.held()).isTrue();
            assertThat(snapshot.validFor()).isNull();
            assertThat(snapshot.holderThread()).isEqualTo(Thread.currentThread().getName());
        }
    }
}
