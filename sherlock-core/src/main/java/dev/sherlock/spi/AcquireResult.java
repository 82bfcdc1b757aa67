package dev.sherlock.spi;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Outcome of {@link LockBackend#tryAcquire}.
 *
 * @param acquired whether the caller now holds the lock
 * @param fencingToken the fencing token of this acquisition when acquired, strictly greater than that of every
 *     earlier acquisition of the same key on the backend; {@code 0} when not acquired
 * @param validFor when acquired, how long the lock is guaranteed to live, measured from when the request was sent,
 *     if the backend knows it to be shorter than the expire asked for (a reused lease's remaining time to live); the
 *     core believes in the hold no longer and renews it in time. {@code null} means the full expire asked for (or
 *     never, when asked for never). Never longer than the store really guarantees
 * @param holderRemaining when not acquired, how long the current holder's lock still lives if the backend knows it,
 *     so a waiter never sleeps past it; {@code null} when unknown or never expiring
 * @param observedVersion when not acquired, a backend-specific version of what was observed (an etcd revision, a
 *     notification sequence), handed back to {@link LockBackend#awaitRelease} so a release that happens right after
 *     the failed attempt is not missed; {@code 0} when unused
 * @param inLine when not acquired, whether the attempt put its owner in line, so a later release may hand it the lock
 *     ({@link WaitOutcome#acquired}) until the caller tries again or gives up: a caller that gives up then releases
 *     the owner, which also takes it out of the line
 * @since 0.1.0
 */
public record AcquireResult(boolean acquired, long fencingToken, @Nullable Duration validFor,
        @Nullable Duration holderRemaining, long observedVersion, boolean inLine) {

    /**
     * Validates the components.
     * @param acquired see the record component
     * @param fencingToken see the record component
     * @param validFor see the record component
     * @param holderRemaining see the record component
     * @param observedVersion see the record component
     * @param inLine see the record component
     */
    public AcquireResult {
        if (acquired && (fencingToken <= 0 || inLine)) {
            throw new IllegalArgumentException("an acquired result needs a positive 'fencingToken' and is never"
                    + " 'inLine'; got " + fencingToken + " and " + inLine);
        }
        if (validFor != null && validFor.isNegative()) {
            validFor = Duration.ZERO;
        }
        if (holderRemaining != null && holderRemaining.isNegative()) {
            holderRemaining = Duration.ZERO;
        }
    }

    /**
     * A result without a place in line, as before 0.2.0.
     * @param acquired see the record component
     * @param fencingToken see the record component
     * @param validFor see the record component
     * @param holderRemaining see the record component
     * @param observedVersion see the record component
     */
    public AcquireResult(boolean acquired, long fencingToken, @Nullable Duration validFor,
            @Nullable Duration holderRemaining, long observedVersion) {
        this(acquired, fencingToken, validFor, holderRemaining, observedVersion, false);
    }

    /**
     * The lock was acquired.
     * @param fencingToken the token of this acquisition, positive
     * @return the result
     */
    public static AcquireResult acquired(long fencingToken) {
        return new AcquireResult(true, fencingToken, null, null, 0);
    }

    /**
     * The lock was acquired, and lives for {@code validFor} from when the request was sent, which may be less than
     * the expire asked for.
     * @param fencingToken the token of this acquisition, positive
     * @param validFor how long the lock is guaranteed to live, from when the request was sent
     * @return the result
     */
    public static AcquireResult acquired(long fencingToken, Duration validFor) {
        return new AcquireResult(true, fencingToken, validFor, null, 0);
    }

    /**
     * Somebody else holds the lock.
     * @param holderRemaining the holder's remaining lifetime, or {@code null} if unknown or never expiring
     * @param observedVersion what to hand back to {@link LockBackend#awaitRelease}, or {@code 0}
     * @return the result
     */
    public static AcquireResult held(@Nullable Duration holderRemaining, long observedVersion) {
        return new AcquireResult(false, 0, null, holderRemaining, observedVersion);
    }

    /**
     * Somebody else holds the lock, and the attempt put its owner in line: a later release may hand it the lock
     * ({@link WaitOutcome#acquired}), so a caller that gives up must release the owner.
     * @param holderRemaining the holder's remaining lifetime, or {@code null} if unknown or never expiring
     * @param observedVersion what to hand back to {@link LockBackend#awaitRelease}, or {@code 0}
     * @return the result
     * @since 0.2.0
     */
    public static AcquireResult inLine(@Nullable Duration holderRemaining, long observedVersion) {
        return new AcquireResult(false, 0, null, holderRemaining, observedVersion, true);
    }
}
