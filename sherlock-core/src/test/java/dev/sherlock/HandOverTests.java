package dev.sherlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A backend that hands a released lock to a waiter in line ({@link AcquireResult#inLine()},
 * {@link WaitOutcome#acquired}): the waiter holds it without another attempt, believes it only as long as it was
 * handed over for, and a waiter that gives up in line releases its owner.
 */
@Timeout(60)
class HandOverTests {

    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** Waiters retry only after a release (or a minute): any other attempt is one the hand-over did not save. */
    private static final LockSettings SETTINGS = LockSettings.defaults().withExpire(MINUTE)
            .withRetryInterval(MINUTE);

    private final InMemoryBackend store = new InMemoryBackend();

    /** Owners the core released, in order. */
    private final List<String> released = new CopyOnWriteArrayList<>();

    /** Attempts of waiting callers, after the first. */
    private final AtomicInteger waitingAttempts = new AtomicInteger();

    /**
     * Puts every refused waiting caller in line and, while the lock is free when a wait starts, takes it on the store
     * for that caller and hands it over for {@code validFor}; with {@code handOver} false, only puts in line.
     */
    private HandingBackend backend(boolean handOver, Duration validFor) {
        return new HandingBackend(handOver, validFor);
    }

    @Test
    void aWaiterHandedTheLockHoldsItWithTheHandedTokenAndSendsNoOtherAttempt() throws InterruptedException {
        HandingBackend backend = backend(true, MINUTE);
        String key = backend.key(null, "handed");
        long holder = store.tryAcquire(key, "holder", MINUTE).fencingToken();
        Lock lock = LockRegistry.of(backend, null, SETTINGS).getLock("handed");
        Thread releaser = releaseOnceInLine(backend, key);

        assertThat(lock.tryLock(30, TimeUnit.SECONDS)).isTrue();
        releaser.join();

        assertThat(lock.fencingToken()).isEqualTo(backend.handedToken).isGreaterThan(holder);
        assertThat(waitingAttempts).as("attempts after the first").hasValue(0);
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.unlock();
        assertThat(store.isLocked(key)).isFalse();
    }

    @Test
    void aHandOverShorterThanALongExpirysMarginIsBelieved() throws InterruptedException {
        HandingBackend backend = backend(true, Duration.ofSeconds(2));
        String key = backend.key(null, "long");
        store.tryAcquire(key, "holder", MINUTE);
        // 1 % of five minutes is more than the two seconds handed over: the margin is that of what the lock lives.
        Lock lock = LockRegistry.of(backend, null, SETTINGS.withExpire(Duration.ofMinutes(5))).getLock("long");
        Thread releaser = releaseOnceInLine(backend, key);

        assertThat(lock.tryLock(30, TimeUnit.SECONDS)).isTrue();
        releaser.join();

        assertThat(lock.fencingToken()).isEqualTo(backend.handedToken);
        assertThat(waitingAttempts).as("attempts after the first").hasValue(0);
        assertThat(released).isEmpty();
        lock.unlock();
    }

    @Test
    void aHandOverThatCameAfterTheLockCouldHaveExpiredIsNotCountedAndItsOwnerIsReleased()
            throws InterruptedException {
        HandingBackend backend = backend(true, Duration.ZERO);
        String key = backend.key(null, "late");
        store.tryAcquire(key, "holder", MINUTE);
        Lock lock = LockRegistry.of(backend, null, SETTINGS).getLock("late");
        Thread releaser = releaseOnceInLine(backend, key);

        // The first hand-over lives for nothing: not believed; the next attempt, under a new owner, gets the lock.
        assertThat(lock.tryLock(30, TimeUnit.SECONDS)).isTrue();
        releaser.join();

        await().atMost(Duration.ofSeconds(10)).until(() -> released.contains(backend.handedOwner));
        assertThat(lock.fencingToken()).isGreaterThan(backend.handedToken);
        assertThat(waitingAttempts.get()).as("attempts after the refused hand-over").isPositive();
        lock.unlock();
    }

    @Test
    void aWaiterThatGivesUpInLineReleasesItsOwner() throws InterruptedException {
        HandingBackend backend = backend(false, MINUTE);
        String key = backend.key(null, "given-up");
        store.tryAcquire(key, "holder", MINUTE);
        Lock lock = LockRegistry.of(backend, null, SETTINGS).getLock("given-up");

        assertThat(lock.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();

        await().atMost(Duration.ofSeconds(10)).until(() -> released.contains(backend.lineOwner));
        assertThat(released).containsExactly(backend.lineOwner);
        assertThat(store.isLocked(key)).as("the holder's lock stays").isTrue();
    }

    @Test
    void aWaiterThatGivesUpWithoutAPlaceInLineReleasesNothing() throws InterruptedException {
        HandingBackend backend = backend(false, MINUTE);
        backend.putInLine = false;
        store.tryAcquire(backend.key(null, "not-in-line"), "holder", MINUTE);
        Lock lock = LockRegistry.of(backend, null, SETTINGS).getLock("not-in-line");

        assertThat(lock.tryLock(100, TimeUnit.MILLISECONDS)).isFalse();

        // Clean-ups run at once on the background thread: a second later, none has.
        Thread.sleep(1000);
        assertThat(released).isEmpty();
    }

    /** Releases the holder's lock once a waiter is in line. */
    private Thread releaseOnceInLine(HandingBackend backend, String key) {
        Thread releaser = new Thread(() -> {
            await().atMost(Duration.ofSeconds(10)).until(() -> backend.inLine.get() > 0);
            store.release(key, "holder");
        });
        releaser.start();
        return releaser;
    }

    private final class HandingBackend extends ForwardingBackend {

        private final boolean handOver;

        private final Duration validFor;

        volatile boolean putInLine = true;

        final AtomicInteger inLine = new AtomicInteger();

        volatile @Nullable String lineOwner;

        volatile @Nullable String handedOwner;

        volatile long handedToken;

        HandingBackend(boolean handOver, Duration validFor) {
            super(store);
            this.handOver = handOver;
            this.validFor = validFor;
        }

        @Override
        public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire,
                Duration nextAttemptWithin) {
            if (owner.equals(lineOwner) || handedOwner != null) {
                waitingAttempts.incrementAndGet();
            }
            AcquireResult result = store.tryAcquire(key, owner, expire);
            if (result.acquired() || !putInLine) {
                return result;
            }
            lineOwner = owner;
            inLine.incrementAndGet();
            return AcquireResult.inLine(result.holderRemaining(), result.observedVersion());
        }

        @Override
        public WaitOutcome awaitRelease(String key, String owner, long observedVersion, Duration maxWait)
                throws InterruptedException {
            WaitOutcome outcome = store.awaitRelease(key, observedVersion, maxWait);
            if (!handOver || handedOwner != null || store.isLocked(key)) {
                return outcome;
            }
            AcquireResult taken = store.tryAcquire(key, owner, MINUTE);
            if (!taken.acquired()) {
                return outcome;
            }
            handedOwner = owner;
            handedToken = taken.fencingToken();
            return WaitOutcome.acquired(taken.fencingToken(), validFor);
        }

        @Override
        public boolean release(String key, String owner) {
            released.add(owner);
            return store.release(key, owner);
        }
    }
}
