package dev.sherlock.spring.event;

import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;

import org.springframework.context.ApplicationEvent;

/**
 * A lock held in this application was lost: it expired or was taken over before its holder released it, so the
 * data it protects may have been written by two holders. Published for every loss the auto-configured
 * {@link LockRegistry} finds (by renewal, at release, at re-entry), from a thread of its own, so an
 * {@code @EventListener} may take its time.
 *
 * @since 0.1.0
 */
public final class LockLostEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final String lockName;

    private final String backend;

    private final long fencingToken;

    private final LockLostException cause;

    /**
     * Creates the event.
     * @param registry the registry whose lock was lost
     * @param lockName the lock's name
     * @param backend the backend's name, e.g. {@code "redis"}
     * @param fencingToken the lost hold's fencing token, {@code 0} if unknown
     * @param cause what was found, with a message naming the lock and the backend
     */
    public LockLostEvent(LockRegistry registry, String lockName, String backend, long fencingToken,
            LockLostException cause) {
        super(registry);
        this.lockName = lockName;
        this.backend = backend;
        this.fencingToken = fencingToken;
        this.cause = cause;
    }

    /**
     * The lost lock's name.
     * @return the name
     */
    public String lockName() {
        return lockName;
    }

    /**
     * The backend the lock was held on.
     * @return the backend's name
     */
    public String backend() {
        return backend;
    }

    /**
     * The fencing token of the lost hold: a fenced store should now refuse writes carrying it.
     * @return the token, or {@code 0} if unknown
     */
    public long fencingToken() {
        return fencingToken;
    }

    /**
     * What was found.
     * @return the loss, with a message naming the lock and the backend
     */
    public LockLostException cause() {
        return cause;
    }

    @Override
    public String toString() {
        return "LockLostEvent[lock '" + lockName + "', backend " + backend + ", fencing token " + fencingToken + "]";
    }
}
