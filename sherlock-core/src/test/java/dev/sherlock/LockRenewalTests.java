package dev.sherlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class LockRenewalTests {

    private final InMemoryBackend backend = new InMemoryBackend();

    private final List<String> lost = new CopyOnWriteArrayList<>();

    private BackendLock lock(String name, Duration expire) {
        return lock(name, backend, expire);
    }

    /** A lock on {@code on} whose losses are recorded in {@link #lost}. */
    private BackendLock lock(String name, LockBackend on, Duration expire) {
        BackendLock lock = new BackendLock(name, on, null, LockSettings.defaults().withExpire(expire)
                .withRetryInterval(Duration.ofMillis(20)));
        lock.addListener(new LockListener() {
            @Override
            public void lost(String lockName, LockLostException cause) {
                lost.add(cause.getMessage());
            }
        });
        return lock;
    }

    @Test
    void renewalThatFindsTheLockGoneSignalsLossAndClearsHeld() {
        BackendLock lock = lock("evicted", Duration.ofMillis(300));
        lock.acquire();
        backend.evict("evicted");
        await().atMost(Duration.ofSeconds(5)).until(() -> !lost.isEmpty());
        assertThat(lost).singleElement().asString().contains("Lock 'evicted' (backend memory)")
                .contains("renewal found it expired or taken over")
                .contains("integrity of data protected by this lock may have been compromised");
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
        assertThat(lock.acquire(false)).isTrue();
        lock.release();
    }

    @Test
    void withoutAutoRenewAHoldTheBackendKeepsShorterIsRenewedOnceAndLivesTheWholeExpiry() {
        Duration expire = Duration.ofMillis(1200);
        LockBackend shortLived = new ForwardingBackend(backend) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                AcquireResult result = super.tryAcquire(key, owner, expire);
                // As a reused etcd lease: the store keeps the lock only a quarter of the expiry from now.
                return result.acquired() ? AcquireResult.acquired(result.fencingToken(), Duration.ofMillis(300))
                        : result;
            }
        };
        BackendLock lock = new BackendLock("topped-up", shortLived, null, LockSettings.defaults().withExpire(expire)
                .withAutoRenew(false));
        int before = backend.renewCalls.get();
        lock.acquire();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.renewCalls.get() == before + 1);
        long acquired = System.nanoTime();
        await().pollDelay(Duration.ofMillis(600)).until(() -> true);
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(() -> !lock.isHeldByCurrentThread());
        assertThat(System.nanoTime() - acquired).isGreaterThan(Duration.ofMillis(900).toNanos());
        // One renewal to top the hold up, none after: auto-renew is off.
        assertThat(backend.renewCalls.get()).isEqualTo(before + 1);
    }

    @Test
    void shortLivedLocksRenewedTogetherOnASlowBackendAreNotLost() throws InterruptedException {
        // Each renewal takes 240 ms, of the 386 ms a 600 ms lock's renewal has from its due time to its deadline: the
        // second lock's renewal cannot wait for the first one's call to end.
        LockBackend slow = new ForwardingBackend(backend) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                try {
                    Thread.sleep(240);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return super.renew(key, owner, expire);
            }
        };
        List<BackendLock> locks = new ArrayList<>();
        for (String name : List.of("slow-a", "slow-b")) {
            BackendLock lock = lock(name, slow, Duration.ofMillis(600));
            locks.add(lock);
        }
        locks.forEach(BackendLock::acquire);
        Thread.sleep(2000);
        assertThat(lost).isEmpty();
        assertThat(locks).allMatch(BackendLock::isHeldByCurrentThread);
        locks.forEach(BackendLock::release);
    }

    @Test
    void renewalsDueWhileOthersWaitGoInOneCallToABackendThatBatchesAndLoseOnlyTheLocksItNoLongerHolds() {
        Batching batching = new Batching(backend, true);
        List<BackendLock> locks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            BackendLock lock = lock("batched-" + i, batching, Duration.ofSeconds(3));
            lock.acquire();
            locks.add(lock);
        }
        backend.evict("batched-7");

        // Renewals fall due a second after each acquire: the first one's call takes 200 ms, and the others, due
        // meanwhile, wait for it and go together.
        await().atMost(Duration.ofSeconds(10)).until(() -> batching.renewedKeys.size() == 20);

        assertThat(batching.batchSizes).anyMatch(size -> size > 1).allMatch(size -> size <= RenewalBatch.MAX);
        assertThat(batching.batchSizes.size() + batching.singleCalls.get()).isLessThan(20);
        assertThat(lost).singleElement().asString().contains("Lock 'batched-7'")
                .contains("renewal found it expired or taken over");
        for (BackendLock lock : locks) {
            assertThat(lock.isHeldByCurrentThread()).isEqualTo(lock != locks.get(7));
            if (lock != locks.get(7)) {
                lock.release();
            }
        }
    }

    @Test
    void aSlowLostListenerOfOneLockInABatchDelaysNoOtherLocksRenewal() {
        Batching batching = new Batching(backend, true);
        List<BackendLock> locks = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            BackendLock lock = new BackendLock("listened-" + i, batching, null, LockSettings.defaults()
                    .withExpire(Duration.ofSeconds(3)).withRetryInterval(Duration.ofMillis(20)));
            lock.addListener(new LockListener() {
                @Override
                public void lost(String lockName, LockLostException cause) {
                    lost.add(lockName);
                    try {
                        // A synchronous alert: 15 of them take three seconds, past every lock's deadline.
                        Thread.sleep(200);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            lock.acquire();
            locks.add(lock);
        }
        for (int i = 0; i < 30; i += 2) {
            backend.evict("listened-" + i);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> lost.size() >= 15);

        assertThat(batching.batchSizes).anyMatch(size -> size > 1);
        for (int i = 0; i < 30; i++) {
            assertThat(locks.get(i).isHeldByCurrentThread()).as("listened-%d", i).isEqualTo(i % 2 == 1);
        }
        assertThat(lost).hasSize(15).allMatch(name -> Integer.parseInt(name.substring("listened-".length())) % 2 == 0);
        for (int i = 1; i < 30; i += 2) {
            locks.get(i).release();
        }
    }

    @Test
    void aBatchOfRenewalsThatFailsIsRetriedForEachLockAndLosesNone() {
        Batching batching = new Batching(backend, true);
        batching.failures.set(1);
        List<BackendLock> locks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            BackendLock lock = lock("retried-" + i, batching, Duration.ofSeconds(3));
            lock.acquire();
            locks.add(lock);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> batching.renewedKeys.size() == 10);

        assertThat(batching.failures).hasValue(0);
        assertThat(lost).isEmpty();
        assertThat(locks).allMatch(BackendLock::isHeldByCurrentThread);
        locks.forEach(BackendLock::release);
    }

    @Test
    void aBackendThatDoesNotBatchRenewsEachLockOnItsOwn() {
        Batching single = new Batching(backend, false);
        List<BackendLock> locks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            BackendLock lock = lock("alone-" + i, single, Duration.ofSeconds(3));
            lock.acquire();
            locks.add(lock);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> single.renewedKeys.size() == 10);

        assertThat(single.batchSizes).isEmpty();
        assertThat(single.singleCalls).hasValueGreaterThanOrEqualTo(10);
        locks.forEach(BackendLock::release);
    }

    /**
     * A backend that says whether it renews in batches, records each batch and each single renewal, and takes
     * 200 ms for each call (so renewals due meanwhile wait); it can be told to fail its next batches.
     */
    private static final class Batching extends ForwardingBackend {

        private final boolean batches;

        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

        final AtomicInteger singleCalls = new AtomicInteger();

        final Set<String> renewedKeys = ConcurrentHashMap.newKeySet();

        final AtomicInteger failures = new AtomicInteger();

        Batching(LockBackend delegate, boolean batches) {
            super(delegate);
            this.batches = batches;
        }

        @Override
        public boolean renewsInBatches() {
            return batches;
        }

        @Override
        public boolean renew(String key, String owner, @Nullable Duration expire) {
            singleCalls.incrementAndGet();
            pause();
            boolean renewed = super.renew(key, owner, expire);
            renewedKeys.add(key);
            return renewed;
        }

        @Override
        public List<Boolean> renewAll(List<HeldKey> held) {
            batchSizes.add(held.size());
            pause();
            if (failures.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                throw new StoreException("batch of " + held.size() + " failed, as told");
            }
            List<Boolean> renewed = new ArrayList<>();
            for (HeldKey lock : held) {
                renewed.add(super.renew(lock.key(), lock.owner(), lock.expire()));
                renewedKeys.add(lock.key());
            }
            return renewed;
        }

        private static void pause() {
            try {
                Thread.sleep(200);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void renewalsDueTogetherLoseOnlyTheLocksTheBackendNoLongerHolds() {
        List<BackendLock> locks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            BackendLock lock = lock("partly-" + i, Duration.ofMillis(900));
            lock.acquire();
            locks.add(lock);
        }
        backend.evict("partly-3");
        await().atMost(Duration.ofSeconds(5)).until(() -> !lost.isEmpty());
        int renewals = backend.renewCalls.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.renewCalls.get() >= renewals + 2 * 9);
        assertThat(lost).singleElement().asString().contains("Lock 'partly-3'")
                .contains("renewal found it expired or taken over");
        for (BackendLock lock : locks) {
            assertThat(lock.isHeldByCurrentThread()).isEqualTo(lock != locks.get(3));
            if (lock != locks.get(3)) {
                lock.release();
            }
        }
    }

    @Test
    void renewalErrorsAloneDoNotLoseTheLockUntilItsExpiryPasses() {
        BackendLock lock = lock("flaky", Duration.ofMillis(600));
        lock.acquire();
        backend.renewFailure = new IllegalStateException("connection reset");
        int before = backend.renewCalls.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.renewCalls.get() >= before + 2);
        backend.renewFailure = null;
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.renewCalls.get() >= before + 4);
        assertThat(lost).isEmpty();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.release();
    }

    @Test
    void renewalErrorsPastTheExpirySignalLoss() {
        BackendLock lock = lock("unreachable", Duration.ofMillis(300));
        lock.acquire();
        backend.renewFailure = new IllegalStateException("server unreachable");
        await().atMost(Duration.ofSeconds(5)).until(() -> !lost.isEmpty());
        assertThat(lost).singleElement().asString().contains("renewal kept failing until its deadline")
                .contains("server unreachable");
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        backend.renewFailure = null;
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
    }

    @Test
    void releasedLockIsNoLongerRenewed() throws InterruptedException {
        BackendLock lock = lock("released", Duration.ofMillis(150));
        lock.acquire();
        lock.release();
        int after = backend.renewCalls.get();
        Thread.sleep(400);
        assertThat(backend.renewCalls.get()).isEqualTo(after);
        assertThat(lost).isEmpty();
    }

    @Test
    void manyHoldsAreRenewedByOneBatchedTimerAndForgottenOnRelease() throws InterruptedException {
        java.util.List<BackendLock> locks = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            BackendLock lock = lock("batched-" + i, Duration.ofMillis(600));
            lock.acquire();
            locks.add(lock);
        }
        int calls = backend.renewCalls.get();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.renewCalls.get() >= calls + 100);
        assertThat(lost).isEmpty();
        locks.forEach(lock -> assertThat(lock.isHeldByCurrentThread()).isTrue());
        locks.forEach(BackendLock::release);
        int afterRelease = backend.renewCalls.get();
        Thread.sleep(500);
        assertThat(backend.renewCalls.get()).isEqualTo(afterRelease);
    }

    @Test
    void blockingAcquireWhoseReplyIsLostFindsItsOwnHoldOnRetry() {
        BackendLock lock = lock("half-done", Duration.ofSeconds(30));
        backend.acquireFailureAfterWrite = new StoreException("response lost");
        lock.acquire();
        backend.acquireFailureAfterWrite = null;
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        assertThat(lock.fencingToken()).isEqualTo(1);
        lock.release();
        assertThat(lock.locked()).isFalse();
    }

    @Test
    void singleAttemptWhoseReplyIsLostFailsAndCleansUpWhatItMayHaveCreated() {
        BackendLock lock = lock("half-done-once", Duration.ofSeconds(30));
        backend.acquireFailureAfterWrite = new StoreException("response lost");
        assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                .hasMessage("Lock 'half-done-once' (backend memory): acquire failed: response lost. It was not acquired")
                .hasCauseInstanceOf(StoreException.class);
        backend.acquireFailureAfterWrite = null;
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> !lock.locked());
        assertThat(lock.acquire(false)).isTrue();
        lock.release();
    }

    @Test
    void reentrantAcquireOfALostHoldFails() {
        BackendLock lock = lock("lost-then-reentered", Duration.ofMillis(300));
        lock.acquire();
        backend.evict("lost-then-reentered");
        await().atMost(Duration.ofSeconds(5)).until(() -> !lost.isEmpty());
        assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockLostException.class)
                .hasMessageContaining("cannot re-enter");
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
        assertThat(lock.isHeldByCurrentThread()).isFalse();
    }

    @Test
    void throwingListenersNeitherFailTheLockNorLeaveAHoldBehind() {
        LockRegistry registry = LockRegistry.of(backend, null, LockSettings.defaults()
                .withExpire(Duration.ofMillis(300)).withTimeout(Duration.ofMillis(200)));
        registry.addListener(new LockListener() {
            @Override
            public void acquired(String name, long fencingToken) {
                throw new IllegalStateException("metrics down");
            }

            @Override
            public void released(String name) {
                throw new IllegalStateException("metrics down");
            }
        });
        Lock lock = registry.getLock("listened");
        lock.acquire();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.release();
        assertThat(lock.locked()).isFalse();
    }

    @Test
    void lostListenerRunsWithoutBlockingTheHoldersRelease() throws Exception {
        java.util.concurrent.CountDownLatch inListener = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        BackendLock lock = lock("slow-listener", Duration.ofMillis(300));
        lock.addListener(new LockListener() {
            @Override
            public void lost(String name, LockLostException cause) {
                inListener.countDown();
                try {
                    // e.g. "stop the worker and wait until it lets go"
                    released.await(1, java.util.concurrent.TimeUnit.MINUTES);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Throwable> holder = executor.submit(() -> {
                lock.acquire();
                backend.evict("slow-listener");
                inListener.await();
                try {
                    lock.release();
                    return null;
                }
                catch (LockLostException expected) {
                    return expected;
                }
                finally {
                    released.countDown();
                }
            });
            assertThat(holder.get(30, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(LockLostException.class);
        }
        finally {
            executor.shutdownNow();
        }
    }
}
