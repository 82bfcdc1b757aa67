package dev.sherlock.spring.health;

import java.time.Duration;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Whether the lock backend answers, for Spring Boot 4's health endpoint: UP when the {@link BackendProbe} is
 * answered within the timeout, DOWN with the backend's name and the error, or "no answer within", when it is not.
 * {@link #close()} stops the probe's thread. (On Spring Boot 3.5, {@code sherlock-spring-boot3-autoconfigure}
 * reports the same probe.)
 *
 * @since 0.1.0
 */
public final class SherlockHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {

    private final BackendProbe probe;

    /**
     * Creates the indicator.
     * @param backend the backend to probe
     * @param namespace the namespace of the probe lock, or {@code null}
     * @param timeout how long a check waits for the answer
     */
    public SherlockHealthIndicator(LockBackend backend, @Nullable String namespace, Duration timeout) {
        super("Lock backend health check failed");
        this.probe = new BackendProbe(backend, namespace, timeout);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws InterruptedException {
        BackendProbe.Result result = probe.check();
        (result.up() ? builder.up() : builder.down()).withDetails(result.details());
    }

    /** Stops the probe thread; a probe still hanging is interrupted. */
    @Override
    public void close() {
        probe.close();
    }

    @Override
    public String toString() {
        return "SherlockHealthIndicator (" + probe + ")";
    }
}
