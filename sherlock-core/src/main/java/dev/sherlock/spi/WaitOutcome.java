package dev.sherlock.spi;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What {@link LockBackend#awaitRelease} saw while it waited.
 *
 * @param mayBeFree {@code true} if the lock may be free now (a release, an expiry, a wait that timed out without
 *     news, or anything the backend cannot rule out, such as a lost connection): the caller sends a real attempt.
 *     {@code false} only if the backend saw the lock still held by someone else (a renewal, a watch that is known to
 *     be live and saw no deletion): the caller may wait again without an attempt, and still sends one every so often,
 *     so a wrong answer cannot stall it for long
 * @param holderRemaining when still held, how long the holder's lock lives at most, if the backend saw it;
 *     {@code null} if unknown or never expiring
 * @param observedVersion when still held, the version of what was seen, for the next wait; {@code 0} when unused
 * @param fencingToken positive if the backend handed the lock to the waiting caller (see {@link #acquired}); then
 *     the caller holds it with this token and sends no attempt. {@code 0} otherwise
 * @param validFor when handed over, how long the lock is guaranteed to live, measured from when the caller's last
 *     attempt was sent; never longer than the store really guarantees. {@code null} otherwise
 * @since 0.1.0
 */
public record WaitOutcome(boolean mayBeFree, @Nullable Duration holderRemaining, long observedVersion,
        long fencingToken, @Nullable Duration validFor) {

    private static final WaitOutcome TRY_AGAIN = new WaitOutcome(true, null, 0);

    /**
     * Validates and normalises the components.
     * @param mayBeFree see the record component
     * @param holderRemaining see the record component
     * @param observedVersion see the record component
     * @param fencingToken see the record component
     * @param validFor see the record component
     */
    public WaitOutcome {
        if (holderRemaining != null && holderRemaining.isNegative()) {
            holderRemaining = Duration.ZERO;
        }
        if (fencingToken < 0 || (fencingToken > 0) != (validFor != null)) {
            throw new IllegalArgumentException("a lock handed over needs a positive 'fencingToken' and a 'validFor',"
                    + " other outcomes neither; got " + fencingToken + " and " + validFor);
        }
        if (validFor != null && validFor.isNegative()) {
            validFor = Duration.ZERO;
        }
    }

    /**
     * An outcome without a hand-over, as before 0.2.0.
     * @param mayBeFree see the record component
     * @param holderRemaining see the record component
     * @param observedVersion see the record component
     */
    public WaitOutcome(boolean mayBeFree, @Nullable Duration holderRemaining, long observedVersion) {
        this(mayBeFree, holderRemaining, observedVersion, 0, null);
    }

    /**
     * Whether the backend handed the lock to the waiting caller.
     * @return {@code true} if the caller now holds the lock
     * @since 0.2.0
     */
    public boolean acquired() {
        return fencingToken > 0;
    }

    /**
     * The lock may be free: send an attempt.
     * @return the outcome
     */
    public static WaitOutcome tryAgain() {
        return TRY_AGAIN;
    }

    /**
     * The lock is still held by someone else, as far as the backend saw.
     * @param holderRemaining how long the holder's lock lives at most, or {@code null} if unknown or never expiring
     * @param observedVersion the version to hand to the next wait, or {@code 0}
     * @return the outcome
     */
    public static WaitOutcome stillHeld(@Nullable Duration holderRemaining, long observedVersion) {
        return new WaitOutcome(false, holderRemaining, observedVersion);
    }

    /**
     * The release handed the lock to the waiting caller, which holds it now without an attempt: only for a caller
     * that a failed attempt put in line ({@link AcquireResult#inLine()}), only for a hand-over made after the caller's
     * latest attempt reached the store (so the lifetime counts from that attempt's sending). The store holds the
     * lock under the caller's owner token for {@code validFor} from then, which is what the core relies on: it does
     * not believe a hand-over that comes later than that.
     * @param fencingToken the token of this acquisition, positive and larger than every earlier one of the key
     * @param validFor how long the lock is guaranteed to live, measured from when the caller's last attempt was sent
     * @return the outcome
     * @since 0.2.0
     */
    public static WaitOutcome acquired(long fencingToken, Duration validFor) {
        if (fencingToken <= 0) {
            throw new IllegalArgumentException("'fencingToken' must be positive when acquired, was " + fencingToken);
        }
        return new WaitOutcome(false, null, 0, fencingToken, validFor);
    }
}
