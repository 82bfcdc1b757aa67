package dev.sherlock.spring.observation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts lost locks in the {@value #NAME} counter, tagged like the observations ({@code sherlock.backend},
 * {@code sherlock.lock}). A counter, not an observation: a loss has no duration, and it must be counted whatever
 * observations are switched off.
 *
 * @since 0.2.0
 */
public final class LockLossCounter {

    /** The counter's name. */
    public static final String NAME = "sherlock.lock.lost";

    private final MeterRegistry meters;

    /**
     * Creates the counter.
     * @param meters where the counter is registered
     */
    public LockLossCounter(MeterRegistry meters) {
        this.meters = meters;
    }

    /**
     * Counts one lost lock.
     * @param backend the backend's name
     * @param lock the lock's name template, or its name where it has none
     */
    void lost(String backend, String lock) {
        Counter.builder(NAME).description("Locks found lost (expired or taken over) while held")
                .tag(ObservationLockObserver.BACKEND, backend).tag(ObservationLockObserver.LOCK, lock)
                .register(meters).increment();
    }
}
