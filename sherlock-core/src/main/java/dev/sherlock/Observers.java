package dev.sherlock;

import java.util.Objects;
import java.util.function.Supplier;

import dev.sherlock.LockObserver.Acquiring;
import dev.sherlock.LockObserver.Holding;
import dev.sherlock.LockObserver.Renewing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LockObserver#NONE}, and the guard around a user's observer: what it throws (short of a
 * {@link VirtualMachineError}) or wrongly returns is logged and ignored, so an observer never breaks a lock.
 */
final class Observers {

    private static final Logger logger = LoggerFactory.getLogger(Observers.class);

    /** One object for every part: observing nothing allocates nothing. */
    static final None NONE = new None();

    private Observers() {
    }

    /** {@code observer} guarded, or {@link #NONE} as it is. */
    static LockObserver guard(LockObserver observer) {
        Objects.requireNonNull(observer, "'observer' must not be null; use LockObserver.NONE to observe nothing");
        return observer == NONE || observer instanceof Guarded ? observer : new Guarded(observer);
    }

    private static <T> T ask(String what, Supplier<T> call, T fallback) {
        try {
            T answer = call.get();
            if (answer != null) {
                return answer;
            }
            logger.warn("A lock observer returned null from {}; that acquire or hold is not observed", what);
        }
        catch (Throwable ex) {
            rethrowIfFatal(ex);
            logger.warn("A lock observer failed in {}; that acquire or hold is not observed further", what, ex);
        }
        return fallback;
    }

    private static void tell(String what, Runnable call) {
        try {
            call.run();
        }
        catch (Throwable ex) {
            rethrowIfFatal(ex);
            logger.warn("A lock observer failed in {}; ignored", what, ex);
        }
    }

    /**
     * Only the JVM's own failures get through the guard: an observer built against another version of a tracing
     * library throws a {@link LinkageError}, and that must not break a lock any more than an exception.
     */
    private static void rethrowIfFatal(Throwable ex) {
        if (ex instanceof VirtualMachineError fatal) {
            throw fatal;
        }
    }

    static final class None implements LockObserver, Acquiring, Holding, Renewing {

        @Override
        public Acquiring acquireStarted(String name, String backend) {
            return this;
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

        @Override
        public String toString() {
            return "LockObserver.NONE";
        }
    }

    private record Guarded(LockObserver observer) implements LockObserver {

        @Override
        public Acquiring acquireStarted(String name, String backend) {
            Acquiring acquiring = ask("acquireStarted", () -> observer.acquireStarted(name, backend), Observers.NONE);
            return acquiring == Observers.NONE ? Observers.NONE : new GuardedAcquiring(acquiring);
        }
    }

    private record GuardedAcquiring(Acquiring acquiring) implements Acquiring {

        @Override
        public Holding acquired(long fencingToken) {
            Holding holding = ask("acquired", () -> acquiring.acquired(fencingToken), Observers.NONE);
            return holding == Observers.NONE ? Observers.NONE : new GuardedHolding(holding);
        }

        @Override
        public void notAcquired(boolean timedOut) {
            tell("notAcquired", () -> acquiring.notAcquired(timedOut));
        }

        @Override
        public void failed(RuntimeException error) {
            tell("failed", () -> acquiring.failed(error));
        }
    }

    private record GuardedHolding(Holding holding) implements Holding {

        @Override
        public Renewing renewStarted() {
            Renewing renewing = ask("renewStarted", holding::renewStarted, Observers.NONE);
            return renewing == Observers.NONE ? Observers.NONE : new GuardedRenewing(renewing);
        }

        @Override
        public void released() {
            tell("released", holding::released);
        }

        @Override
        public void lost(LockLostException cause) {
            tell("lost", () -> holding.lost(cause));
        }

        @Override
        public void releaseFailed(RuntimeException error) {
            tell("releaseFailed", () -> holding.releaseFailed(error));
        }
    }

    private record GuardedRenewing(Renewing renewing) implements Renewing {

        @Override
        public void renewed() {
            tell("renewed", renewing::renewed);
        }

        @Override
        public void lost() {
            tell("lost", renewing::lost);
        }

        @Override
        public void failed(RuntimeException error) {
            tell("failed", () -> renewing.failed(error));
        }
    }
}
