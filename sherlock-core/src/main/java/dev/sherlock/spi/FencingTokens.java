package dev.sherlock.spi;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The rule for fencing tokens on stores that keep a counter: the next token is the larger of the stored counter plus
 * one and the clock in microseconds since the epoch, so tokens keep increasing even after a store that keeps no data
 * restarts with its counters gone (a clock that only moves forward at about one tick per microsecond never reaches a
 * counter's pace of one per acquisition at the same time).
 *
 * @since 0.1.0
 */
public final class FencingTokens {

    private FencingTokens() {
    }

    /**
     * The token after {@code stored}: the larger of {@code stored + 1} and {@code clock}'s microseconds.
     * @param stored the last token the store kept, or {@code 0} for none
     * @param clock the clock to read
     * @return the next token, positive
     */
    public static long next(long stored, Clock clock) {
        return Math.max(stored + 1, micros(clock));
    }

    /**
     * The clock's microseconds since the epoch: the lowest token a store that lost its counter may hand out.
     * @param clock the clock to read
     * @return microseconds since 1970-01-01T00:00:00Z
     */
    public static long micros(Clock clock) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant());
    }
}
