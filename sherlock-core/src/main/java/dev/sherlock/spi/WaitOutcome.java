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
 * @since 0.1.0
 */
public record WaitOutcome(boolean mayBeFree, @Nullable Duration holderRemaining, long observedVersion) {

    private static final WaitOutcome TRY_AGAIN = new WaitOutcome(true, null, 0);

    /**
     * Normalises the components.
     * @param mayBeFree see the record component
     * @param holderRemaining see the record component
     * @param observedVersion see the record component
     */
    public WaitOutcome {
        if (holderRemaining != null && holderRemaining.isNegative()) {
            holderRemaining = Duration.ZERO;
        }
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
}
