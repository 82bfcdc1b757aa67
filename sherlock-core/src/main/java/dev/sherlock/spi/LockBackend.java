package dev.sherlock.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The backend SPI: the atomic primitives a store must offer to hold Sherlock locks.
 *
 * <p>Every call carries the lock's key and the owner token of the acquisition it concerns, so release and renew are
 * compare-and-delete and compare-and-extend on the owner: a holder whose lock expired and was taken by another can
 * never delete or extend the new holder's lock. Backends keep no per-hold state; waiting, timeouts, reentrancy,
 * renewal, fencing bookkeeping and listeners live once above this interface. Implementations must be thread-safe.
 *
 * <p>A {@code null} expire means "never expires": the lock stays until it is released.
 *
 * <p>Failures: a call whose store fails (unreachable, timed out, an error answer) throws {@link StoreException} with
 * the client library's exception as its cause and a message in the store's terms; the core reports it once, with the
 * lock's name, backend and namespace. Configuration a backend refuses is a
 * {@code dev.sherlock.LockConfigurationException}. No other exception leaves a backend call.
 *
 * <p>A backend is finished when it passes the contract suite ({@code LockBackendContractTests} in the
 * {@code sherlock-core} test-jar).
 *
 * @since 0.1.0
 */
public interface LockBackend extends AutoCloseable {

    /**
     * Short name used in messages and metrics, e.g. {@code "redis"}.
     * @return the backend's name
     */
    String name();

    /**
     * Maps a lock name to this backend's key. Any Unicode name must map to a valid key, and two different names in
     * one namespace must never map to the same key, nor to a key the backend uses internally (fencing counters,
     * marks): a backend that cannot escape such a name refuses it. Backends that keep py-sherlock's
     * {@code <namespace>_<name>} layout for interoperability share its one ambiguity across namespaces (namespace
     * {@code a_b} with name {@code c}, namespace {@code a} with name {@code b_c}), and document it.
     * @param namespace the namespace, or {@code null} for none
     * @param name the validated lock name
     * @return the key used in every other call
     * @throws IllegalArgumentException if the name is reserved by the backend; the message says why, and the core
     *     reports it with the lock's name and backend
     */
    String key(@Nullable String namespace, String name);

    /**
     * Creates the lock for {@code owner} if nobody holds it, atomically.
     *
     * <p>Idempotent for one owner: if the lock is already held by {@code owner} (a request resent by the client
     * library after a connection failure, or the core retrying an attempt whose answer it never got), the lock is
     * acquired and the result carries the fencing token of that hold, or a larger one where the store cannot tell
     * the earlier one (the earlier answer may never have reached the caller). The lock then lives at least
     * {@code expire} from the earliest of these requests. The core uses one owner token for all attempts
     * of one acquire call, so an attempt that reached the store without an answer never leaves a lock held by
     * nobody.
     * @param key the lock's key
     * @param owner the owner token of this acquisition
     * @param expire how long the lock lives unless renewed, measured from when this request was sent;
     *     {@code null} for never
     * @return the outcome, with the fencing token if acquired
     */
    AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire);

    /**
     * An attempt by a caller that waits for the lock: if it fails, the caller tries again with the same owner within
     * {@code nextAttemptWithin} (later only while {@link #awaitRelease} keeps answering "still held"), or as soon as
     * {@link #awaitRelease} says the lock may be free, until it gets the lock or gives up. A backend that serves
     * waiters in turn (a release reserving the lock for the one that waited longest, or handing it over) may put the
     * caller in line until then; it must never serve a waiter past its promise, so a waiter that went away costs
     * little. A caller put in line that may be handed the lock is told so ({@link AcquireResult#inLine()}): if it gives
     * up, it releases its owner, which takes it out of the line and frees a lock handed to it meanwhile. Otherwise
     * exactly {@link #tryAcquire(String, String, Duration)}, which the
     * default calls.
     * @param key the lock's key
     * @param owner the owner token of this acquisition
     * @param expire as for {@link #tryAcquire(String, String, Duration)}
     * @param nextAttemptWithin the longest time until the caller's next attempt, if this one fails
     * @return the outcome, with the fencing token if acquired
     */
    default AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire,
            Duration nextAttemptWithin) {
        return tryAcquire(key, owner, expire);
    }

    /**
     * Deletes the lock if, and only if, {@code owner} still holds it.
     *
     * <p>Idempotent against the client library's own resends: where the client may send a request again after a
     * connection failure although the first one was applied (Lettuce, spymemcached, OkHttp), a resent release of
     * {@code owner} that finds its own release done answers {@code true}, not "lost". (Retries the core makes after
     * a failed call are judged by the core itself.)
     * @param key the lock's key
     * @param owner the owner token of the acquisition being released
     * @return {@code true} if the lock was deleted (by this request or a resent copy of it), {@code false} if it had
     *     expired or belongs to someone else
     */
    boolean release(String key, String owner);

    /**
     * Extends the lock to {@code expire} from now if, and only if, {@code owner} still holds it.
     * @param key the lock's key
     * @param owner the owner token of the acquisition being renewed
     * @param expire the new lifetime, measured from when this request was sent; {@code null} for never
     * @return {@code true} if renewed, {@code false} if the lock had expired or belongs to someone else
     */
    boolean renew(String key, String owner, @Nullable Duration expire);

    /**
     * Renews many held locks at once, each exactly as {@link #renew} would, for callers that renew many locks
     * together; a store that can batch (pipelined commands, concurrent requests) does it without a round trip each.
     * The default calls {@link #renew} for one after the other. The core calls it only if
     * {@link #renewsInBatches()}, for renewals that are due while others wait for a thread.
     * @param held the locks to renew, at least one
     * @return for each lock, in the same order, {@code true} if renewed and {@code false} if it had expired or
     *     belongs to someone else
     * @throws StoreException if the store failed; then none of the answers is known, and the core retries each
     *     renewal as after a failed {@link #renew}
     */
    default List<Boolean> renewAll(List<HeldKey> held) {
        List<Boolean> renewed = new ArrayList<>(held.size());
        for (HeldKey lock : held) {
            renewed.add(renew(lock.key(), lock.owner(), lock.expire()));
        }
        return renewed;
    }

    /**
     * Whether {@link #renewAll} renews a batch in about one round trip, and no lock in a batch can wait longer for its
     * answer than it would for a {@link #renew} of its own: requests pipelined to a single server, which answers them
     * in order anyway. Then the core renews the holds whose renewals are due while others still wait for a thread in
     * one call, so a burst of renewals costs a few round trips, not one each. A store whose batch spans servers (a
     * cluster, a pool) answers {@code false}: one slow server would hold up the renewals of locks on the others,
     * which the core rescues with more threads when each renews alone. The default is {@code false}.
     * @return whether renewals may be batched
     * @since 0.2.0
     */
    default boolean renewsInBatches() {
        return false;
    }

    /**
     * Why this backend cannot honour {@code expire}, or {@code null} if it can. The core refuses such an expiry when
     * a lock or registry is created, in a message that names the lock or registry, the field, the value and this
     * reason, so a setting the store would round away or overflow never reaches it.
     * @param expire a positive expiry; "never expires" is always supported
     * @return the reason, as a phrase that completes "'expire' PT0.5S ...", e.g. {@code "is shorter than the
     *     1 s memcached can keep (it counts whole seconds); use at least 1s"}; {@code null} if supported
     */
    default @Nullable String unsupportedExpire(Duration expire) {
        return null;
    }

    /**
     * Tells whether anybody holds the lock.
     * @param key the lock's key
     * @return {@code true} if the lock exists and has not expired
     */
    boolean isLocked(String key);

    /**
     * Waits until the lock may be free (typically its release), or {@code maxWait} passes, and says what it saw.
     *
     * <p>The default cannot notify: it sleeps for {@code maxWait} and answers "try again", so the caller polls at its
     * retry interval. Backends that can notify (pub/sub, watch, file events; see {@link ReleaseSignals}) answer "try
     * again" as soon as a release of {@code key} newer than {@code observedVersion}, or anything else that may have
     * freed the lock, is seen, and when the wait times out without news; "still held" only when they saw the holder
     * keep the lock.
     * Answering "try again" without a release is allowed; answering "still held" when the lock may be free is not.
     * The caller sends a real attempt at least every retry interval, or, while this keeps answering "still held",
     * at least once a second.
     * @param key the lock's key
     * @param observedVersion {@link AcquireResult#observedVersion()} of the failed attempt, or
     *     {@link WaitOutcome#observedVersion()} of the previous wait
     * @param maxWait the longest time to wait
     * @return what the wait saw
     * @throws InterruptedException if the waiting thread is interrupted
     */
    default WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        Thread.sleep(Math.max(1, maxWait.toMillis()));
        return WaitOutcome.tryAgain();
    }

    /**
     * As {@link #awaitRelease(String, long, Duration)}, for the waiting caller {@code owner}, which the core always
     * passes. A backend that serves waiters in turn ({@link #tryAcquire(String, String, Duration, Duration)}) may
     * answer "still held" to every caller but the one a release reserved the lock for, while that reservation lasts,
     * as the store would refuse their attempts meanwhile. A backend whose release hands the lock to a waiter in line
     * ({@link AcquireResult#inLine()}) answers {@link WaitOutcome#acquired} to that waiter, once the store holds the
     * lock under its owner token, and the caller holds it without another attempt. The default ignores the owner.
     * @param key the lock's key
     * @param owner the owner token of the waiting acquisition
     * @param observedVersion as for {@link #awaitRelease(String, long, Duration)}
     * @param maxWait the longest time to wait
     * @return what the wait saw
     * @throws InterruptedException if the waiting thread is interrupted
     * @since 0.2.0
     */
    default WaitOutcome awaitRelease(String key, String owner, long observedVersion, Duration maxWait)
            throws InterruptedException {
        return awaitRelease(key, observedVersion, maxWait);
    }

    /**
     * Checks, once at startup, that the store accepts this backend's connection for locks in {@code namespace}: its
     * credentials, certificates and permissions, with a few cheap requests that change no lock. The Spring Boot
     * starter calls it when the registry is created; plain Java callers may ({@code LockRegistry.of} does not). The
     * default checks nothing; a backend that wraps another should forward the call.
     * @param namespace the namespace of the locks to be taken, or null for none
     * @throws dev.sherlock.LockConfigurationException if the store refuses, naming what it refused and what to
     *     change. A store that cannot be reached (down, or slow to answer) is not a refusal: the backend logs a
     *     warning and returns, since the store may come up later and the health indicator reports it
     * @since 0.2.0
     */
    default void checkAccess(@Nullable String namespace) {
    }

    /**
     * Releases resources the backend opened itself (connections it created, subscriptions). Clients handed in by
     * the application are left open. The default does nothing.
     */
    @Override
    default void close() {
    }
}
