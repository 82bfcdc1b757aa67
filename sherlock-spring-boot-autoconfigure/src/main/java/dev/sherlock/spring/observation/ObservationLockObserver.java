package dev.sherlock.spring.observation;

import dev.sherlock.LockLostException;
import dev.sherlock.LockObserver;
import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.spring.aop.LockNameTemplate;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Reports locks to Micrometer as observations, so they become timers and, with a tracer, spans:
 *
 * <ul>
 * <li>{@value #ACQUIRE}: each acquire that is not reentrant, from the call to the lock held or given up (queueing
 * behind this JVM's other threads included), with {@value #OUTCOME} {@code acquired}, {@code timeout},
 * {@code not-acquired} (one attempt, refused) or {@code error}; its scope is open meanwhile, so the backend client's
 * own spans are its children;
 * <li>{@value #HELD}: each hold, from acquired to released or lost (with the loss as its error);
 * <li>{@value #RENEW}: each renewal, with {@value #OUTCOME} {@code renewed}, {@code lost} or {@code error}.
 * </ul>
 *
 * <p>Low-cardinality keys (metric tags): {@value #BACKEND} and {@value #LOCK}, the name template of a
 * {@link DistributedLock} method ({@code invoice-#{#id}}) or, for locks taken through the registry, the lock's name.
 * High-cardinality keys (spans only): {@value #LOCK_NAME}, the rendered name, and {@value #FENCING_TOKEN}. Losses are
 * also counted by the {@link LockLossCounter}, if given.
 *
 * @since 0.2.0
 */
public final class ObservationLockObserver implements LockObserver {

    /** The acquire observation's name. */
    public static final String ACQUIRE = "sherlock.lock.acquire";

    /** The hold observation's name. */
    public static final String HELD = "sherlock.lock.held";

    /** The renewal observation's name. */
    public static final String RENEW = "sherlock.lock.renew";

    /** Key of the backend's name. */
    public static final String BACKEND = "sherlock.backend";

    /** Key of the lock's name template, or its name for registry use. */
    public static final String LOCK = "sherlock.lock";

    /** Key of how an acquire or renewal ended. */
    public static final String OUTCOME = "sherlock.outcome";

    /** High-cardinality key of the lock's rendered name. */
    public static final String LOCK_NAME = "sherlock.lock.name";

    /** High-cardinality key of the hold's fencing token. */
    public static final String FENCING_TOKEN = "sherlock.fencing.token";

    private final ObservationRegistry observations;

    private final @Nullable LockLossCounter losses;

    /**
     * Creates the observer.
     * @param observations where observations are made
     * @param losses counts lost locks, or {@code null} for none
     */
    public ObservationLockObserver(ObservationRegistry observations, @Nullable LockLossCounter losses) {
        this.observations = observations;
        this.losses = losses;
    }

    @Override
    public Acquiring acquireStarted(String name, String backend) {
        String template = LockNameTemplate.current();
        String lock = template != null ? template : name;
        if (observations.isNoop()) {
            // Nothing observed, but losses are still counted.
            return losses == null ? LockObserver.NONE.acquireStarted(name, backend) : new Counting(backend, lock);
        }
        Tags tags = new Tags(backend, lock, name);
        Observation acquire = tags.apply(Observation.createNotStarted(ACQUIRE, observations))
                .contextualName("acquire " + tags.lock).start();
        return new Acquire(tags, acquire, acquire.openScope());
    }

    /** The keys every observation of one lock carries. */
    private record Tags(String backend, String lock, String name) {

        Observation apply(Observation observation) {
            return observation.lowCardinalityKeyValue(BACKEND, backend).lowCardinalityKeyValue(LOCK, lock)
                    .highCardinalityKeyValue(LOCK_NAME, name);
        }
    }

    private final class Acquire implements Acquiring {

        private final Tags tags;

        private final Observation observation;

        private final Observation.Scope scope;

        Acquire(Tags tags, Observation observation, Observation.Scope scope) {
            this.tags = tags;
            this.observation = observation;
            this.scope = scope;
        }

        @Override
        public Holding acquired(long fencingToken) {
            end("acquired");
            // Started once the acquire's scope is closed, so the hold is its sibling, not its child.
            Observation held = tags.apply(Observation.createNotStarted(HELD, observations))
                    .highCardinalityKeyValue(FENCING_TOKEN, Long.toString(fencingToken))
                    .contextualName("hold " + tags.lock).start();
            return new Hold(tags, held);
        }

        @Override
        public void notAcquired(boolean timedOut) {
            end(timedOut ? "timeout" : "not-acquired");
        }

        @Override
        public void failed(RuntimeException error) {
            try {
                observation.error(error);
            }
            finally {
                end("error");
            }
        }

        private void end(String outcome) {
            observation.lowCardinalityKeyValue(OUTCOME, outcome);
            try {
                scope.close();
            }
            finally {
                observation.stop();
            }
        }
    }

    private final class Hold implements Holding {

        private final Tags tags;

        private final Observation observation;

        Hold(Tags tags, Observation observation) {
            this.tags = tags;
            this.observation = observation;
        }

        @Override
        public Renewing renewStarted() {
            Observation renew = tags.apply(Observation.createNotStarted(RENEW, observations))
                    .parentObservation(observation).contextualName("renew " + tags.lock).start();
            return new Renew(renew);
        }

        @Override
        public void released() {
            observation.stop();
        }

        @Override
        public void lost(LockLostException cause) {
            if (losses != null) {
                losses.lost(tags.backend, tags.lock);
            }
            try {
                observation.error(cause);
            }
            finally {
                observation.stop();
            }
        }

        @Override
        public void releaseFailed(RuntimeException error) {
            try {
                observation.error(error);
            }
            finally {
                observation.stop();
            }
        }
    }

    /** Where observations are off (a no-op registry): only counts losses. */
    private final class Counting implements Acquiring, Holding, Renewing {

        private final String backend;

        private final String lock;

        Counting(String backend, String lock) {
            this.backend = backend;
            this.lock = lock;
        }

        @Override
        public Holding acquired(long fencingToken) {
            return this;
        }

        @Override
        public void notAcquired(boolean timedOut) {
        }

        @Override
        public void failed(RuntimeException error) {
        }

        @Override
        public Renewing renewStarted() {
            return this;
        }

        @Override
        public void released() {
        }

        @Override
        public void lost(LockLostException cause) {
            if (losses != null) {
                losses.lost(backend, lock);
            }
        }

        @Override
        public void releaseFailed(RuntimeException error) {
        }

        @Override
        public void renewed() {
        }

        @Override
        public void lost() {
        }
    }

    private record Renew(Observation observation) implements Renewing {

        @Override
        public void renewed() {
            end("renewed");
        }

        @Override
        public void lost() {
            end("lost");
        }

        @Override
        public void failed(RuntimeException error) {
            try {
                observation.error(error);
            }
            finally {
                end("error");
            }
        }

        private void end(String outcome) {
            observation.lowCardinalityKeyValue(OUTCOME, outcome).stop();
        }
    }
}
