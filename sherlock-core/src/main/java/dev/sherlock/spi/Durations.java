package dev.sherlock.spi;

import java.time.Duration;

/**
 * Conversions of durations for stores that count in coarser units than the core.
 *
 * @since 0.1.0
 */
public final class Durations {

    private Durations() {
    }

    /**
     * Whole seconds, rounded up, so a store that counts seconds never keeps a lock for less than asked.
     * @param duration a non-negative duration
     * @return the seconds, rounded up
     */
    public static long ceilSeconds(Duration duration) {
        long seconds = duration.getSeconds();
        return duration.getNano() > 0 ? seconds + 1 : seconds;
    }

    /**
     * Whole milliseconds, rounded up, at least 1 for a positive duration.
     * @param duration a non-negative duration
     * @return the milliseconds, rounded up
     */
    public static long ceilMillis(Duration duration) {
        long millis = duration.toMillis();
        return duration.minusMillis(millis).isZero() ? millis : millis + 1;
    }
}
