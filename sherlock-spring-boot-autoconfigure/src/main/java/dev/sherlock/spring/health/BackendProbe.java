package dev.sherlock.spring.health;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The health check of a lock backend, apart from any Spring Boot health API (which moved between Boot 3.5 and 4;
 * each line's indicator reports this probe's answer). A check asks whether a probe lock is held, which changes
 * nothing, on a thread of its own, so a hung backend call never holds up the health endpoint; while one hangs, later
 * checks wait on it instead of piling up. {@link #close()} stops that thread.
 *
 * @since 0.1.0
 */
public final class BackendProbe implements AutoCloseable {

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
        started.setContextClassLoader(BackendProbe.class.getClassLoader());
        return started;
    });

    private @Nullable Future<Boolean> inFlight;

    /**
     * Creates the probe.
     * @param backend the backend to probe
     * @param namespace the namespace of the probe lock, or {@code null}
     * @param timeout how long a check waits for the answer
     */
    public BackendProbe(LockBackend backend, @Nullable String namespace, Duration timeout) {
        this.backend = backend;
        this.probeKey = backend.key(namespace, PROBE_LOCK);
        this.timeout = timeout;
    }

    /**
     * Asks the backend, waiting at most the timeout.
     * @return whether it answered, with the details: {@code backend} always, {@code responseTime} when it answered,
     *         {@code error} (the exception, or "no answer within") when it did not
     * @throws InterruptedException if the calling thread is interrupted while it waits
     */
    public Result check() throws InterruptedException {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("backend", backend.name());
        long started = System.nanoTime();
        try {
            probe().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            details.put("responseTime", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
            return new Result(true, details);
        }
        catch (TimeoutException ex) {
            details.put("error", "no answer within " + timeout.toMillis() + " ms");
        }
        catch (ExecutionException ex) {
            Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            details.put("error", cause.getClass().getName() + ": " + cause.getMessage());
        }
        return new Result(false, details);
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
        return backend.name() + ", timeout " + timeout;
    }

    /**
     * What one check found.
     * @param up whether the backend answered within the timeout
     * @param details what to show beside the status, in order
     */
    public record Result(boolean up, Map<String, Object> details) {

        /**
         * Keeps a copy of the details.
         * @param up whether the backend answered within the timeout
         * @param details what to show beside the status, in order
         */
        public Result {
            details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }
    }
}
