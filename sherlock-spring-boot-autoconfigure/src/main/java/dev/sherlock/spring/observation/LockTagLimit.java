package dev.sherlock.spring.observation;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the values of the {@value ObservationLockObserver#LOCK} tag on Sherlock's meters: the first
 * {@code maxValues} distinct lock names or templates keep their own time series, later ones share
 * {@value #OTHER}. Locks named at run time ({@code "invoice-" + id}) through the registry then cannot flood the
 * metrics backend; a warning says so once.
 *
 * @since 0.2.0
 */
public final class LockTagLimit implements MeterFilter {

    /** The tag value of the locks beyond the limit. */
    public static final String OTHER = "other";

    private static final Logger logger = LoggerFactory.getLogger(LockTagLimit.class);

    private static final String PREFIX = "sherlock.lock";

    private final int maxValues;

    private final Set<String> values = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean warned = new AtomicBoolean();

    /**
     * Creates the limit.
     * @param maxValues the most distinct values kept; positive
     */
    public LockTagLimit(int maxValues) {
        if (maxValues <= 0) {
            throw new IllegalArgumentException("'maxValues' must be positive, was " + maxValues);
        }
        this.maxValues = maxValues;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        String lock = id.getTag(ObservationLockObserver.LOCK);
        if (lock == null || !id.getName().startsWith(PREFIX) || kept(lock)) {
            return id;
        }
        if (warned.compareAndSet(false, true)) {
            logger.warn("Sherlock: more than {} distinct lock names on meter {} (the newest: '{}'); further locks are"
                    + " tagged {}='{}'. Name a template for locks named at run time (LockNameTemplate.whileAcquiring),"
                    + " or raise sherlock.observations.max-lock-tags", maxValues, id.getName(), lock,
                    ObservationLockObserver.LOCK, OTHER);
        }
        return id.withTag(Tag.of(ObservationLockObserver.LOCK, OTHER));
    }

    private boolean kept(String lock) {
        if (values.contains(lock)) {
            return true;
        }
        synchronized (values) {
            return values.contains(lock) || (values.size() < maxValues && values.add(lock));
        }
    }
}
