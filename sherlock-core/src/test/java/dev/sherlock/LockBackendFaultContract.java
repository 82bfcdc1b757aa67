package dev.sherlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.FaultyBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.LockBackend;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The part of the contract that holds under faults the happy path never meets: replies lost after the backend applied
 * the request, requests resent later by the client, transient errors, late replies and hung calls. Faults are
 * injected by a {@link FaultyBackend} around the real backend under test, so every test runs on every backend.
 */
abstract class LockBackendFaultContract {

    private static final String NAMESPACE = "sherlock-faults";

    private final LockBackendContractTests contract;

    private final List<String> losses = new CopyOnWriteArrayList<>();

    LockBackendFaultContract(LockBackendContractTests contract) {
        this.contract = contract;
    }

    private LockBackend backend() {
        return contract.backend();
    }

    private Duration shortExpire() {
        return contract.shortExpire();
    }

    private static String uniqueName() {
        return "fault-" + UUID.randomUUID();
    }

    private static LockSettings settings() {
        return LockSettings.defaults().withTimeout(Duration.ofSeconds(10)).withRetryInterval(Duration.ofMillis(50));
    }

    private BackendLock lock(String name, LockBackend backend, LockSettings settings) {
        BackendLock lock = new BackendLock(name, backend, NAMESPACE, settings);
        lock.addListener(new LockListener() {
            @Override
            public void lost(String lockName, LockLostException cause) {
                losses.add(lockName);
            }
        });
        return lock;
    }

    private BackendLock other(String name) {
        return new BackendLock(name, contract.otherBackend(), NAMESPACE, settings());
    }

    private static ConditionFactory awaitOnThisThread() {
        return await().pollInSameThread().atMost(Duration.ofSeconds(30));
    }

    @Test
    @DisplayName("a repeated acquire of one owner is the same hold, with a token no lower than the first answer's")
    void acquireIsIdempotentPerOwner() {
        String key = backend().key(NAMESPACE, uniqueName());
        String owner = "owner-" + UUID.randomUUID();
        AcquireResult first = backend().tryAcquire(key, owner, Duration.ofSeconds(30));
        AcquireResult again = backend().tryAcquire(key, owner, Duration.ofSeconds(30));
        assertThat(first.acquired()).isTrue();
        assertThat(again.acquired()).isTrue();
        // Memcached draws a new, larger token (the first answer may never have reached the caller); others repeat it.
        assertThat(again.fencingToken()).isGreaterThanOrEqualTo(first.fencingToken());
        assertThat(backend().tryAcquire(key, "someone-else", Duration.ofSeconds(30)).acquired()).isFalse();
        assertThat(backend().release(key, owner)).isTrue();
        assertThat(backend().isLocked(key)).isFalse();
    }

    @Test
    @DisplayName("an acquire whose reply is lost is acquired by its own retry, once, with no orphan left")
    void lostAcquireReplyIsAcquiredOnce() {
        FaultyBackend faulty = new FaultyBackend(backend());
        String name = uniqueName();
        BackendLock lock = lock(name, faulty, settings());
        faulty.acquireRepliesToLose.set(1);
        lock.acquire();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        assertThat(other(name).acquire(false)).isFalse();
        lock.release();
        assertThat(other(name).locked()).isFalse();
        assertThat(losses).isEmpty();
    }

    @Test
    @DisplayName("a single attempt whose request is applied after it failed leaves no lock behind")
    void resentAcquireAfterGivingUpLeavesNoOrphan() {
        FaultyBackend faulty = new FaultyBackend(backend());
        String name = uniqueName();
        BackendLock lock = lock(name, faulty, settings().withoutExpiry());
        faulty.acquiresToResendLater.set(1);
        assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                .hasMessageContaining("'" + name + "'").hasMessageContaining("acquire failed");
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        awaitOnThisThread().until(() -> faulty.resendsApplied.get() == 1);
        BackendLock next = other(name);
        // The resent request took the lock after the attempt gave up; the clean-up frees it, though it never expires.
        awaitOnThisThread().until(() -> next.acquire(false));
        next.release();
    }

    @Test
    @DisplayName("a release whose reply is lost is a release, not a loss")
    void lostReleaseReplyIsNoLoss() {
        FaultyBackend faulty = new FaultyBackend(backend());
        String name = uniqueName();
        BackendLock lock = lock(name, faulty, settings());
        lock.acquire();
        faulty.releaseRepliesToLose.set(1);
        lock.release();
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThat(other(name).locked()).isFalse();
        assertThat(losses).isEmpty();
    }

    @Test
    @DisplayName("a blocking acquire rides out transient errors; a single attempt fails at once")
    void transientErrorsAreRiddenOut() {
        FaultyBackend faulty = new FaultyBackend(backend());
        String name = uniqueName();
        BackendLock lock = lock(name, faulty, settings());
        faulty.acquiresToFail.set(1);
        assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                .hasMessageContaining("connection refused");
        faulty.acquiresToFail.set(4);
        lock.acquire();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        assertThat(faulty.acquiresToFail.get()).isZero();
        lock.release();
    }

    @Test
    @DisplayName("a failing store is reported in one message: lock, backend, namespace, operation, consequence")
    void storeFailuresReadTheSameOnEveryBackend() {
        FaultyBackend faulty = new FaultyBackend(backend());
        String name = uniqueName();
        BackendLock lock = lock(name, faulty, settings());
        faulty.acquiresToFail.set(1);
        assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockBackendException.class)
                .hasMessage("Lock '" + name + "' (backend " + backend().name() + ", namespace '" + NAMESPACE + "'):"
                        + " acquire failed: connection refused (reconnecting). It was not acquired")
                .hasCauseInstanceOf(StoreException.class);
    }

    @Test
    @DisplayName("a blocking acquire against a failing backend throws at its timeout, with the last error")
    void persistentErrorsFailAtTheTimeout() {
        FaultyBackend faulty = new FaultyBackend(backend());
        Duration timeout = Duration.ofMillis(500);
        BackendLock lock = lock(uniqueName(), faulty, settings().withTimeout(timeout));
        faulty.acquiresToFail.set(Integer.MAX_VALUE);
        long start = System.nanoTime();
        assertThatThrownBy(lock::acquire).isInstanceOf(LockBackendException.class)
                .hasMessageContaining("acquire failed").hasRootCauseMessage("connection refused (reconnecting)");
        // Retried, not given up at the first error.
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(timeout.toNanos());
        assertThat(faulty.calls.get()).isGreaterThan(2);
        faulty.acquiresToFail.set(0);
    }

    @Test
    @DisplayName("an acquire answered after the lock could have expired is not an acquisition")
    void lateAcquireReplyIsNoAcquisition() {
        FaultyBackend faulty = new FaultyBackend(backend());
        String name = uniqueName();
        BackendLock lock = lock(name, faulty, settings().withExpire(shortExpire()));
        faulty.replyDelay = shortExpire().plusMillis(200);
        faulty.acquireRepliesToDelay.set(1);
        assertThat(lock.acquire(false)).isFalse();
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        // What the late reply may still hold is released with its owner token.
        String late = faulty.delayedAcquireOwners.get(0);
        awaitOnThisThread().until(() -> faulty.releasedOwners.contains(late));
        faulty.acquireRepliesToDelay.set(1);
        lock.acquire();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        assertThat(faulty.acquireRepliesToDelay.get()).isZero();
        lock.release();
    }

    @Test
    @DisplayName("a nested acquire does not re-enter a hold that has expired; the expiry is signalled")
    void reentryIntoExpiredHoldFails() {
        String name = uniqueName();
        BackendLock lock = lock(name, backend(), settings().withExpire(shortExpire()).withAutoRenew(false));
        lock.acquire();
        awaitOnThisThread().until(() -> !lock.isHeldByCurrentThread());
        assertThatThrownBy(() -> lock.acquire(false)).isInstanceOf(LockLostException.class)
                .hasMessageContaining("cannot re-enter");
        assertThat(losses).containsExactly(name);
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
    }

    @Test
    @DisplayName("hung renewals are declared lost at their deadline and never delay another backend's renewals")
    void hungRenewalsAreIsolated() {
        FaultyBackend hanging = new FaultyBackend(backend());
        CountDownLatch gate = new CountDownLatch(1);
        hanging.renewGate = gate;
        Duration expire = shortExpire();
        List<BackendLock> stuck = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                BackendLock lock = lock(uniqueName(), hanging, settings().withExpire(expire));
                lock.acquire();
                stuck.add(lock);
            }
            String healthyName = uniqueName();
            BackendLock healthy = lock(healthyName, backend(), settings().withExpire(expire));
            healthy.acquire();
            awaitOnThisThread().until(() -> losses.size() == stuck.size());
            // Lost at the deadline, while every one of their renewals still hangs.
            assertThat(hanging.blockedRenewals.get()).isEqualTo(stuck.size());
            stuck.forEach(lock -> assertThat(lock.isHeldByCurrentThread()).isFalse());
            BackendLock contender = other(healthyName);
            awaitOnThisThread().during(expire.multipliedBy(3)).atMost(expire.multipliedBy(4).plusSeconds(10))
                    .until(() -> !contender.acquire(false));
            assertThat(healthy.isHeldByCurrentThread()).isTrue();
            assertThat(losses).doesNotContain(healthyName);
            healthy.release();
        }
        finally {
            gate.countDown();
            for (BackendLock lock : stuck) {
                assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
            }
        }
    }
}
