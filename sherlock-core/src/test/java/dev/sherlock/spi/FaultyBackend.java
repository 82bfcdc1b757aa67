package dev.sherlock.spi;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * A backend that injects the faults of a real network and server into the calls it forwards: replies lost after
 * the request was applied, requests applied again later (a client's resend after reconnecting), transient errors,
 * late replies and hung calls. Each fault is armed by a test and hits the next matching calls only.
 */
public final class FaultyBackend extends ForwardingBackend {

    /** Next tryAcquire calls to apply and then fail, as if the reply were lost. */
    public final AtomicInteger acquireRepliesToLose = new AtomicInteger();

    /** Next tryAcquire calls to fail at once, and to apply only {@link #resendDelay} later, as a client's resend. */
    public final AtomicInteger acquiresToResendLater = new AtomicInteger();

    /** Next release calls to apply and then fail, as if the reply were lost. */
    public final AtomicInteger releaseRepliesToLose = new AtomicInteger();

    /** Next tryAcquire calls to fail before they reach the backend, as while a client reconnects. */
    public final AtomicInteger acquiresToFail = new AtomicInteger();

    /** Next release calls to fail before they reach the backend. */
    public final AtomicInteger releasesToFail = new AtomicInteger();

    /** Next renew calls whose reply is delayed by {@link #replyDelay} after being applied. */
    public final AtomicInteger renewRepliesToDelay = new AtomicInteger();

    /** Owners of the acquisitions whose reply was delayed. */
    public final List<String> delayedAcquireOwners = new CopyOnWriteArrayList<>();

    /** Owners of every release call, in order. */
    public final List<String> releasedOwners = new CopyOnWriteArrayList<>();

    /** Next tryAcquire calls whose reply is delayed by {@link #replyDelay} after being applied. */
    public final AtomicInteger acquireRepliesToDelay = new AtomicInteger();

    /** Resent requests applied so far. */
    public final AtomicInteger resendsApplied = new AtomicInteger();

    /** Every call so far, failed or not. */
    public final AtomicInteger calls = new AtomicInteger();

    /** How late a resent request is applied. */
    public volatile Duration resendDelay = Duration.ofMillis(500);

    /** How late a delayed reply arrives. */
    public volatile Duration replyDelay = Duration.ZERO;

    /** While set, renew calls block until it is counted down, then forward. */
    public volatile @Nullable CountDownLatch renewGate;

    /** Renew calls that are blocked on {@link #renewGate} right now. */
    public final AtomicInteger blockedRenewals = new AtomicInteger();

    public FaultyBackend(LockBackend delegate) {
        super(delegate);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        calls.incrementAndGet();
        failIf(acquiresToFail);
        if (take(acquiresToResendLater)) {
            Thread resend = new Thread(() -> {
                sleep(resendDelay);
                delegate.tryAcquire(key, owner, expire);
                resendsApplied.incrementAndGet();
            }, "faulty-backend-resend");
            resend.setDaemon(true);
            resend.start();
            throw new StoreException("connection reset (the request will be resent)");
        }
        AcquireResult result = delegate.tryAcquire(key, owner, expire);
        if (take(acquireRepliesToLose)) {
            throw new StoreException("connection reset before the reply to acquire");
        }
        if (take(acquireRepliesToDelay)) {
            delayedAcquireOwners.add(owner);
            sleep(replyDelay);
        }
        return result;
    }

    @Override
    public boolean release(String key, String owner) {
        calls.incrementAndGet();
        releasedOwners.add(owner);
        failIf(releasesToFail);
        boolean released = delegate.release(key, owner);
        if (take(releaseRepliesToLose)) {
            throw new StoreException("connection reset before the reply to release");
        }
        return released;
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        calls.incrementAndGet();
        CountDownLatch gate = renewGate;
        if (gate != null) {
            blockedRenewals.incrementAndGet();
            try {
                gate.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            finally {
                blockedRenewals.decrementAndGet();
            }
        }
        boolean renewed = delegate.renew(key, owner, expire);
        if (take(renewRepliesToDelay)) {
            sleep(replyDelay);
        }
        return renewed;
    }

    @Override
    public boolean isLocked(String key) {
        calls.incrementAndGet();
        return delegate.isLocked(key);
    }

    /** The wrapped backend is the test's: closing this wrapper leaves it open. */
    @Override
    public void close() {
    }

    private static void failIf(AtomicInteger armed) {
        if (take(armed)) {
            throw new StoreException("connection refused (reconnecting)");
        }
    }

    private static boolean take(AtomicInteger counter) {
        return counter.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
