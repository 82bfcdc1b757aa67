package dev.sherlock.leader;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import dev.sherlock.Lock;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockException;
import dev.sherlock.LockInterruptedException;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader of a role among the nodes that run an election for it over one backend: each node contends for
 * the lock named after the role; the node that holds it leads, with the lock renewed automatically, until it stops
 * (the lock is released, so another node takes over at once) or loses the lock (it expired while the node was paused
 * or cut off from the backend, or was taken over), after which it contends again. Each term's epoch is the lock's
 * fencing token, which only grows: a leader passes it with its writes so the store can refuse a deposed leader's.
 *
 * <pre class="code">
 * LeaderElection election = LeaderElection.of(registry, "invoice-export", new LeaderListener() { ... });
 * election.start();
 * ...
 * election.leadership().ifPresent(term -&gt; store.write(data, term.epoch()));
 * ...
 * election.stop();
 * </pre>
 *
 * <p>The election runs on a thread of its own, {@code sherlock-leader-<role>}, which holds the lock while this node
 * leads and calls the {@link LeaderListener}. {@link #isLeader()} and {@link #leadership()} ask the hold itself, so
 * they turn false at the lock's deadline (a margin before the backend may expire it); the listener is told
 * {@code revoked} within the registry's retry interval after that, once its earlier call has returned (a listener
 * that blocks delays its own calls, not {@link #isLeader()}). A leader can be sure of its term only while
 * {@link #isLeader()} answers {@code true}, and a store that checks epochs is sure always.
 *
 * @since 0.2.0
 */
public final class LeaderElection implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LeaderElection.class);

    /** How long one attempt to become leader waits before the loop looks at its state again. */
    private static final Duration CONTEND_WAIT = Duration.ofSeconds(5);

    /** The pause after a failed attempt (the backend unreachable) before the next. */
    private static final long FAILURE_PAUSE_MILLIS = 1000;

    private final LockRegistry registry;

    private final String role;

    private final LeaderListener listener;

    private final Duration checkInterval;

    /** The role's lock; held by the election's thread during a term. */
    private final Lock lock;

    private final ReentrantLock state = new ReentrantLock();

    private final Condition changed = state.newCondition();

    /** Guarded by {@link #state}. */
    private @Nullable Thread thread;

    /** Guarded by {@link #state}. */
    private boolean stopping;

    /** Whether the thread waits to become leader (and may be interrupted to stop); guarded by {@link #state}. */
    private boolean contending;

    private volatile @Nullable Leadership current;

    private LeaderElection(LockRegistry registry, String role, LeaderListener listener) {
        this.registry = Objects.requireNonNull(registry, "'registry' must not be null");
        this.role = Objects.requireNonNull(role, "'role' must not be null");
        this.listener = Objects.requireNonNull(listener, "'listener' must not be null");
        LockSettings settings = registry.settings();
        if (settings.expire() == null) {
            throw new LockConfigurationException("Leader election of role '" + role + "': the registry's locks never"
                    + " expire, so a leader that crashed would lead for ever. Give the registry an expire");
        }
        if (!settings.autoRenew()) {
            throw new LockConfigurationException("Leader election of role '" + role + "': the registry's locks are"
                    + " not renewed automatically, so every term would end after " + settings.expire()
                    + ". Turn auto-renew on");
        }
        // Fails now, naming the role, if it is not a valid lock name.
        this.lock = registry.getLock(role);
        long retry = settings.retryInterval().toMillis();
        this.checkInterval = Duration.ofMillis(Math.max(10, Math.min(1000, retry)));
    }

    /**
     * Creates an election of {@code role} over {@code registry}'s backend, namespace and settings; it starts with
     * {@link #start()}.
     * @param registry where the role's lock is; its locks must expire and be renewed automatically
     * @param role the role, also the lock's name
     * @param listener told when this node becomes leader and when it stops being leader
     * @return the election, not started
     * @throws LockConfigurationException if the registry's locks never expire or are not renewed, or the role is not a
     *     valid lock name
     */
    public static LeaderElection of(LockRegistry registry, String role, LeaderListener listener) {
        return new LeaderElection(registry, role, listener);
    }

    /** Starts contending; does nothing if started. */
    public void start() {
        state.lock();
        try {
            if (thread != null) {
                return;
            }
            stopping = false;
            Thread started = new Thread(this::run, "sherlock-leader-" + role);
            started.setDaemon(true);
            thread = started;
            started.start();
        }
        finally {
            state.unlock();
        }
    }

    /**
     * Stops: a leader releases the lock (so another node takes over at once) and is told {@link
     * LeaderListener#revoked revoked}; waits until the election's thread has ended, at most the registry's timeout (a
     * listener still running then keeps the term until it returns). Called from a listener, it does not wait.
     */
    public void stop() {
        Thread running;
        state.lock();
        try {
            running = thread;
            if (running == null) {
                return;
            }
            stopping = true;
            if (contending) {
                running.interrupt();
            }
            changed.signalAll();
        }
        finally {
            state.unlock();
        }
        if (running == Thread.currentThread()) {
            // Called from a listener: the term ends once it returns.
            return;
        }
        try {
            running.join(Math.max(1000, registry.settings().timeout().toMillis()));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (running.isAlive()) {
            logger.warn("Leader election of role '{}': its thread did not end within the timeout; it ends once its"
                    + " listener returns", role);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * The role.
     * @return the role's name
     */
    public String role() {
        return role;
    }

    /**
     * Whether this node leads now.
     * @return {@code true} during a term
     */
    public boolean isLeader() {
        return leadership().isPresent();
    }

    /**
     * The current term, while this node leads.
     * @return the term with its epoch, or empty
     */
    public Optional<Leadership> leadership() {
        Leadership term = current;
        // Asked of the hold itself, so a term ends at its lock's deadline even before the election's thread sees it.
        return term != null && lock.isHeld(term.epoch()) ? Optional.of(term) : Optional.empty();
    }

    private void run() {
        try {
            while (!isStopping()) {
                if (contend(lock)) {
                    if (isStopping()) {
                        // Acquired as the election stopped: no term, hand the lock on at once.
                        endTerm(false);
                        return;
                    }
                    lead();
                }
            }
        }
        finally {
            state.lock();
            try {
                thread = null;
                contending = false;
            }
            finally {
                state.unlock();
            }
        }
    }

    /** One wait to become leader; returns whether this node holds the lock now. */
    private boolean contend(Lock lock) {
        state.lock();
        try {
            if (stopping) {
                return false;
            }
            contending = true;
        }
        finally {
            state.unlock();
        }
        try {
            return lock.tryAcquire(CONTEND_WAIT);
        }
        catch (LockInterruptedException ex) {
            return false;
        }
        catch (LockException ex) {
            logger.warn("Leader election of role '{}': could not contend ({}); trying again in {} ms", role,
                    ex.getMessage(), FAILURE_PAUSE_MILLIS);
            pause(FAILURE_PAUSE_MILLIS);
            return false;
        }
        finally {
            state.lock();
            try {
                contending = false;
                // An interrupt meant for the wait that came after it: not for the listener or the release.
                Thread.interrupted();
            }
            finally {
                state.unlock();
            }
        }
    }

    /** Leads until stopped or the lock is lost, then ends the term, whatever the listener throws. */
    private void lead() {
        Leadership term = new Leadership(role, lock.fencingToken());
        current = term;
        logger.info("Leader election of role '{}': this node leads, epoch {}", role, term.epoch());
        boolean lost = true;
        try {
            tell(() -> listener.granted(term), "granted");
            lost = !awaitEnd(lock);
        }
        finally {
            current = null;
            boolean revokedLost = endTerm(lost);
            logger.info("Leader election of role '{}': this node no longer leads (epoch {}, {})", role, term.epoch(),
                    revokedLost ? "the lock was lost" : "stopped");
            tell(() -> listener.revoked(term, revokedLost), "revoked");
        }
    }

    /**
     * Releases the lock (or ends a lost hold); returns whether the term was lost. A release that fails leaves the lock
     * to expire, and counts as lost: another node may not take over at once.
     */
    private boolean endTerm(boolean lost) {
        if (lost || !lock.isHeldByCurrentThread()) {
            endLostHold(lock);
            return true;
        }
        try {
            lock.release();
            return false;
        }
        catch (LockLostException ex) {
            return true;
        }
        catch (LockException ex) {
            logger.warn("Leader election of role '{}': releasing the lock failed ({}); it expires on its own",
                    role, ex.getMessage());
            return true;
        }
        finally {
            endLostHold(lock);
        }
    }

    /** Waits while this node holds the lock; returns {@code true} if stopped, {@code false} if the lock was lost. */
    private boolean awaitEnd(Lock lock) {
        state.lock();
        try {
            while (!stopping) {
                if (!lock.isHeldByCurrentThread()) {
                    return false;
                }
                changed.await(checkInterval.toNanos(), TimeUnit.NANOSECONDS);
            }
            return true;
        }
        catch (InterruptedException ex) {
            // Nobody else interrupts this thread: end the term as if stopped, and keep the interrupt.
            Thread.currentThread().interrupt();
            return true;
        }
        finally {
            state.unlock();
        }
    }

    private static void endLostHold(Lock lock) {
        while (lock.holdCount() > 0) {
            try {
                lock.release();
            }
            catch (LockLostException ex) {
                // Logged when the loss was found.
            }
        }
    }

    private boolean isStopping() {
        state.lock();
        try {
            return stopping;
        }
        finally {
            state.unlock();
        }
    }

    private void pause(long millis) {
        state.lock();
        try {
            if (!stopping) {
                changed.await(millis, TimeUnit.MILLISECONDS);
            }
        }
        catch (InterruptedException ex) {
            // Stopping.
        }
        finally {
            state.unlock();
        }
    }

    private void tell(Runnable call, String what) {
        try {
            call.run();
        }
        catch (VirtualMachineError ex) {
            throw ex;
        }
        catch (Throwable ex) {
            logger.warn("Leader election of role '{}': its listener failed in {}; ignored", role, what, ex);
        }
    }

    @Override
    public String toString() {
        Leadership term = current;
        return "LeaderElection of role '" + role + "' (" + (term == null ? "not leading" : "leading, epoch "
                + term.epoch()) + ")";
    }
}
