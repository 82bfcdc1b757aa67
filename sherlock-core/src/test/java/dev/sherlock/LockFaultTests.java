package dev.sherlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.FaultyBackend;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The generic machinery under faults, on the in-memory backend where a fault can be placed exactly: holders never
 * believe longer than the backend keeps their lock, nothing stays locked by nobody, and one backend's trouble never
 * costs another backend's locks. (The same faults on every real backend: {@link LockBackendFaultContract}.)
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LockFaultTests {

    private final InMemoryBackend memory = new InMemoryBackend();

    private final List<String> lost = new CopyOnWriteArrayList<>();

    private BackendLock lock(String name, LockBackend backend, LockSettings settings) {
        BackendLock lock = new BackendLock(name, backend, null, settings);
        lock.addListener(new LockListener() {
            @Override
            public void lost(String lockName, LockLostException cause) {
                lost.add(lockName);
            }
        });
        return lock;
    }

    @Test
    void aHoldCreatedByAnAttemptWhoseReplyWasLostIsBelievedOnlyAsLongAsTheBackendKeepsIt() {
        AtomicInteger attempts = new AtomicInteger();
        LockBackend reconnecting = new ForwardingBackend(memory) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                int attempt = attempts.incrementAndGet();
                if (attempt == 1) {
                    super.tryAcquire(key, owner, expire);
                    throw new IllegalStateException("connection reset before the reply");
                }
                if (attempt <= 11) {
                    throw new IllegalStateException("reconnecting");
                }
                return super.tryAcquire(key, owner, expire);
            }
        };
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(1)).withAutoRenew(false);
        BackendLock holder = lock("created-early", reconnecting, settings);
        holder.acquire();
        BackendLock contender = new BackendLock("created-early", memory, null, settings);
        await().pollInSameThread().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                .until(() -> contender.acquire(false));
        // The backend's expiry counted from the first attempt: so did the holder's belief.
        assertThat(holder.isHeldByCurrentThread()).isFalse();
        contender.release();
    }

    @Test
    void aProgrammingErrorInsideAGuardedBackendCallFailsAtOnceInsteadOfBeingRetried() {
        AtomicInteger attempts = new AtomicInteger();
        LockBackend refusing = new ForwardingBackend(memory) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                return StoreException.guard("memory", "acquire", key, () -> {
                    attempts.incrementAndGet();
                    throw new IllegalArgumentException("key too long for this store");
                });
            }
        };
        BackendLock lock = lock("refused", refusing, LockSettings.defaults().withTimeout(Duration.ofSeconds(5)));
        assertThatThrownBy(lock::acquire).isInstanceOf(LockBackendException.class)
                .hasMessageContaining("acquire failed").hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void aWaitAnsweredStillHeldPutsOffTheNextAttemptForUpToASecond() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger waits = new AtomicInteger();
        LockSettings settings = LockSettings.defaults().withRetryInterval(Duration.ofMillis(400))
                .withTimeout(Duration.ofMillis(1000));
        BackendLock holder = lock("watched", memory, settings);
        holder.acquire();
        BackendLock waiter = lock("watched", vouching(attempts, waits, 20), settings);
        assertThatThrownBy(waiter::acquire).isInstanceOf(LockTimeoutException.class);
        // One attempt at the start and one at the deadline: never one per answer, nor one per retry interval.
        assertThat(attempts.get()).isBetween(2, 3);
        assertThat(waits.get()).isGreaterThan(2 * attempts.get());
        holder.release();
    }

    @Test
    void aBackendThatAlwaysAnswersStillHeldStillGetsAnAttemptEverySecond() {
        AtomicInteger attempts = new AtomicInteger();
        LockSettings settings = LockSettings.defaults().withRetryInterval(Duration.ofMillis(50))
                .withTimeout(Duration.ofMillis(3500));
        BackendLock holder = lock("vouched", memory, settings);
        holder.acquire();
        BackendLock waiter = lock("vouched", vouching(attempts, new AtomicInteger(), 10), settings);

        assertThatThrownBy(waiter::acquire).isInstanceOf(LockTimeoutException.class);

        // At the start, after 1, 2 and 3 s, and at the deadline: neither one per 50 ms retry nor none at all.
        assertThat(attempts.get()).isBetween(4, 6);
        holder.release();
    }

    /** The in-memory backend, counting attempts and waits, whose every wait answers "still held" after a pause. */
    private LockBackend vouching(AtomicInteger attempts, AtomicInteger waits, long pauseMillis) {
        return new ForwardingBackend(memory) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                attempts.incrementAndGet();
                return super.tryAcquire(key, owner, expire);
            }

            @Override
            public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait)
                    throws InterruptedException {
                waits.incrementAndGet();
                Thread.sleep(Math.min(maxWait.toMillis(), pauseMillis));
                return WaitOutcome.stillHeld(null, observedVersion);
            }
        };
    }

    @Test
    void aBackendAnsweringAWaitWithNothingIsTriedAgainNotACrash() {
        AtomicInteger waits = new AtomicInteger();
        LockBackend silent = new ForwardingBackend(memory) {
            @Override
            @SuppressWarnings("NullAway")
            public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) {
                waits.incrementAndGet();
                return null;
            }
        };
        LockSettings settings = LockSettings.defaults().withRetryInterval(Duration.ofMillis(20))
                .withTimeout(Duration.ofSeconds(10));
        BackendLock holder = lock("silent", memory, settings);
        holder.acquire();
        BackendLock waiter = lock("silent", silent, settings);
        CompletableFuture<Boolean> acquired = CompletableFuture.supplyAsync(() -> {
            boolean done = waiter.acquire(true);
            waiter.release();
            return done;
        });
        await().until(() -> waits.get() > 0);
        holder.release();
        assertThat(acquired.join()).isTrue();
    }

    @Test
    void anAcquireResentAfterTheHoldWasReleasedIsCleanedUp() {
        FaultyBackend faulty = new FaultyBackend(memory);
        faulty.resendDelay = Duration.ofMillis(300);
        faulty.acquiresToResendLater.set(1);
        BackendLock lock = lock("resent-late", faulty, LockSettings.defaults().withoutExpiry());
        lock.acquire();
        lock.release();
        await().atMost(Duration.ofSeconds(10)).until(() -> faulty.resendsApplied.get() == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> !memory.isLocked("resent-late"));
    }

    @Test
    void aSlowButValidAcquireReplyIsRenewedBeforeItsDeadline() {
        FaultyBackend faulty = new FaultyBackend(memory);
        faulty.replyDelay = Duration.ofMillis(700);
        faulty.acquireRepliesToDelay.set(1);
        BackendLock lock = lock("slow-reply", faulty, LockSettings.defaults().withExpire(Duration.ofSeconds(1)));
        lock.acquire();
        await().atMost(Duration.ofSeconds(10)).until(() -> memory.renewCalls.get() >= 3);
        assertThat(lost).isEmpty();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.release();
    }

    @Test
    void aRenewalAnsweredAfterTheDeadlineDoesNotReviveTheHold() {
        FaultyBackend faulty = new FaultyBackend(memory);
        faulty.replyDelay = Duration.ofSeconds(2);
        faulty.renewRepliesToDelay.set(1);
        BackendLock lock = lock("late-renewal", faulty, LockSettings.defaults().withExpire(Duration.ofSeconds(1)));
        lock.acquire();
        // Lost at its deadline, while the renewal (applied by the backend) is still on its way back.
        await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains("late-renewal"));
        assertThat(faulty.renewRepliesToDelay.get()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> memory.renewCalls.get() >= 1);
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> !lock.isHeldByCurrentThread());
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
    }

    @Test
    void hungRenewalsOfOneBackendDoNotDelayTheRenewalsOfAnother() {
        FaultyBackend hanging = new FaultyBackend(new InMemoryBackend());
        CountDownLatch gate = new CountDownLatch(1);
        hanging.renewGate = gate;
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(1));
        List<BackendLock> stuck = new ArrayList<>();
        try {
            for (int i = 0; i < 60; i++) {
                BackendLock lock = new BackendLock("stuck-" + i, hanging, null, settings);
                lock.acquire();
                stuck.add(lock);
            }
            BackendLock healthy = lock("healthy", memory, settings);
            healthy.acquire();
            BackendLock contender = new BackendLock("healthy", memory, null, settings);
            await().pollInSameThread().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20))
                    .until(() -> !contender.acquire(false));
            assertThat(lost).isEmpty();
            assertThat(healthy.isHeldByCurrentThread()).isTrue();
            assertThat(memory.renewCalls.get()).isGreaterThanOrEqualTo(3);
            healthy.release();
        }
        finally {
            gate.countDown();
        }
    }

    @Test
    void aManualRenewWhileABackgroundRenewalHangsKeepsTheWatchdog() {
        FaultyBackend faulty = new FaultyBackend(memory);
        CountDownLatch gate = new CountDownLatch(1);
        faulty.renewGate = gate;
        BackendLock lock = lock("manual-renew", faulty, LockSettings.defaults().withExpire(Duration.ofSeconds(1)));
        try {
            lock.acquire();
            await().atMost(Duration.ofSeconds(10)).until(() -> faulty.blockedRenewals.get() == 1);
            // The manual renewal gets through (another connection), the background one still hangs.
            faulty.renewGate = null;
            assertThat(lock.renew()).isTrue();
            // Nothing renews any more: at the new deadline the loss is told, not only found at release.
            await().atMost(Duration.ofSeconds(10)).until(() -> lost.contains("manual-renew"));
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThat(faulty.blockedRenewals.get()).isEqualTo(1);
        }
        finally {
            gate.countDown();
        }
    }

    @Test
    void theLockOfAThreadThatEndedWithoutReleasingIsLetGo() throws Exception {
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofMillis(300));
        BackendLock lock = lock("abandoned", memory, settings);
        Thread thread = new Thread(lock::acquire, "ends-holding");
        thread.start();
        thread.join();
        BackendLock contender = new BackendLock("abandoned", memory, null, settings);
        await().pollInSameThread().atMost(Duration.ofSeconds(10)).until(() -> contender.acquire(false));
        // The loss is told by the watchdog, which may run just after the key expired and was taken.
        await().atMost(Duration.ofSeconds(10)).until(() -> !lost.isEmpty());
        assertThat(lost).containsExactly("abandoned");
        contender.release();
    }

    @Test
    void aReleaseRetryingAgainstAFailingBackendEndsOnInterruptAndFinishesInTheBackground() {
        AtomicBoolean failReleases = new AtomicBoolean();
        LockBackend failing = new ForwardingBackend(memory) {
            @Override
            public boolean release(String key, String owner) {
                if (failReleases.get()) {
                    throw new IllegalStateException("connection refused");
                }
                return super.release(key, owner);
            }
        };
        BackendLock lock = lock("release-interrupted", failing,
                LockSettings.defaults().withoutExpiry().withTimeout(Duration.ofHours(1)));
        lock.acquire();
        failReleases.set(true);
        Thread self = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            self.interrupt();
        });
        interrupter.start();
        try {
            // Without the interrupt this would retry for the hour of its timeout.
            assertThatThrownBy(lock::release).isInstanceOf(LockBackendException.class)
                    .hasMessageContaining("released in the background");
            assertThat(Thread.interrupted()).isTrue();
        }
        finally {
            Thread.interrupted();
        }
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        failReleases.set(false);
        await().atMost(Duration.ofSeconds(30)).until(() -> !memory.isLocked("release-interrupted"));
    }

    @Test
    void theHoldersBeliefEndsOnePercentPlusTwoMillisecondsBeforeTheExpiry() {
        assertThat(Duration.ofNanos(Hold.margin(Duration.ofSeconds(60)))).isEqualTo(Duration.ofMillis(602));
        assertThat(Duration.ofNanos(Hold.margin(Duration.ofMillis(100)))).isEqualTo(Duration.ofMillis(3));
        assertThat(Hold.deadline(1_000, Duration.ofSeconds(1))).isEqualTo(1_000 + 988_000_000L);
    }
}
