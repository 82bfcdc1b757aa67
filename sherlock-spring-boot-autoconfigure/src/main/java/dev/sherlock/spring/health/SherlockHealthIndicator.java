package dev.sherlock.spring.health;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether the lock backend answers: UP when a cheap round trip (asking whether a probe lock is held, which changes
 * nothing) is answered within the timeout, DOWN with the backend's name and the error, or "no answer within", when
 * it is not. The probe runs on a thread of its own, so a hung backend call never holds up the health endpoint; while
 * one hangs, later checks wait on it instead of piling up. {@link #close()} stops that thread.
 *
 * @since 0.1.0
 */
public final class SherlockHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {

    /** How long a check waits for the backend unless configured otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    /** The name of the lock whose state the probe asks for; it is never taken. */
    public static final String PROBE_LOCK = "sherlock-health-probe";

    private final LockBackend backend;

    private final String probeKey;

    private final Duration timeout;

    /** Started lazily by a health request's thread, so it must inherit none of that thread's thread-locals. */
    private final ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
        Thread started = new Thread(null, runnable, "sherlock-health", 0, false);
        started.setDaemon(true);
        started.setContextClassLoader(SherlockHealthIndicator.class.getClassLoader());
        return started;
    });

    private @Nullable Future<Boolean> inFlight;

    /**
     * Creates the indicator.
     * @param backend the backend to probe
     * @param namespace the namespace of the probe lock, or {@code null}
     * @param timeout how long a check waits for the answer
     */
    public SherlockHealthIndicator(LockBackend backend, @Nullable String namespace, Duration timeout) {
        super("Lock backend health check failed");
        this.backend = backend;
        this.probeKey = backend.key(namespace, PROBE_LOCK);
        this.timeout = timeout;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws InterruptedException {
        builder.withDetail("backend", backend.name());
        long started = System.nanoTime();
        try {
            probe().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            builder.up().withDetail("responseTime",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        }
        catch (TimeoutException ex) {
            builder.down().withDetail("error", "no answer within " + timeout.toMillis() + " ms");
        }
        catch (ExecutionException ex) {
            Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            builder.down().withDetail("error", cause.getClass().getName() + ": " + cause.getMessage());
        }
    }

    /** The probe under way, or a new one. */
    private synchronized Future<Boolean> probe() {
        Future<Boolean> current = inFlight;
        if (current == null || current.isDone()) {
            current = thread.submit(() -> backend.isLocked(probeKey));
            inFlight = current;
        }
        return current;
    }

    /** Stops the probe thread; a probe still hanging is interrupted. */
    @Override
    public void close() {
        thread.shutdownNow();
    }

    @Override
    public String toString() {
        return "SherlockHealthIndicator (" + backend.name() + ", timeout " + timeout + ")";
    }
}
