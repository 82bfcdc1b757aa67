package dev.sherlock;

import java.time.Duration;
import java.util.Objects;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * Global configuration for plain Java, filled in by {@link Sherlock#configure}: py-sherlock's {@code backend},
 * {@code client}, {@code namespace}, {@code expire}, {@code timeout} and {@code retry_interval}. Give either a
 * backend, e.g. {@code RedisBackend.of(connectionFactory)}, or just the client, whose type picks the backend.
 *
 * @since 0.1.0
 */
public final class SherlockConfiguration {

    private LockBackend backend;

    /** Whether the backend was made here from a client, so Sherlock closes it when it is replaced. */
    private boolean ownsBackend;

    private @Nullable String namespace;

    private LockSettings settings;

    SherlockConfiguration(LockBackend backend, @Nullable String namespace, LockSettings settings) {
        this.backend = backend;
        this.namespace = namespace;
        this.settings = settings;
    }

    /**
     * Sets the backend every lock lives on.
     * @param backend the backend
     * @return this configuration
     */
    public SherlockConfiguration backend(LockBackend backend) {
        this.backend = Objects.requireNonNull(backend, "'backend' must not be null");
        this.ownsBackend = false;
        return this;
    }

    /**
     * Sets the backend from its client, as py-sherlock's {@code client=...}: a {@link java.nio.file.Path} (the file
     * backend's directory), a Spring Data {@code RedisConnectionFactory}, a spymemcached {@code MemcachedClient}
     * (binary protocol), a jetcd {@code Client} or a Kubernetes {@code ApiClient} (Leases in namespace
     * {@code default}). The client stays the application's: closing the backend leaves it open.
     * @param client the client
     * @return this configuration
     * @throws LockConfigurationException if the client's type is not one of these
     */
    public SherlockConfiguration client(Object client) {
        Objects.requireNonNull(client, "'client' must not be null");
        this.backend = BackendFactories.forClient(client);
        this.ownsBackend = !(client instanceof LockBackend);
        return this;
    }

    /**
     * Sets the prefix of every lock name on the backend.
     * @param namespace the namespace, or {@code null} for none
     * @return this configuration
     */
    public SherlockConfiguration namespace(@Nullable String namespace) {
        this.namespace = namespace;
        return this;
    }

    /**
     * Sets how long a lock lives unless renewed.
     * @param expire the expiry, positive
     * @return this configuration
     */
    public SherlockConfiguration expire(Duration expire) {
        this.settings = settings.withExpire(Objects.requireNonNull(expire, "'expire' must not be null"));
        return this;
    }

    /**
     * Makes locks never expire (py-sherlock's {@code expire=None}): they stay until released.
     * @return this configuration
     */
    public SherlockConfiguration neverExpire() {
        this.settings = settings.withoutExpiry();
        return this;
    }

    /**
     * Sets how long a blocking acquire waits.
     * @param timeout the timeout, zero or positive
     * @return this configuration
     */
    public SherlockConfiguration timeout(Duration timeout) {
        this.settings = settings.withTimeout(timeout);
        return this;
    }

    /**
     * Sets the longest sleep between two attempts of a waiter.
     * @param retryInterval the interval, positive
     * @return this configuration
     */
    public SherlockConfiguration retryInterval(Duration retryInterval) {
        this.settings = settings.withRetryInterval(retryInterval);
        return this;
    }

    /**
     * Switches automatic renewal of held locks on or off.
     * @param autoRenew whether to renew automatically
     * @return this configuration
     */
    public SherlockConfiguration autoRenew(boolean autoRenew) {
        this.settings = settings.withAutoRenew(autoRenew);
        return this;
    }

    LockBackend backend() {
        return backend;
    }

    boolean ownsBackend() {
        return ownsBackend;
    }

    @Nullable String namespace() {
        return namespace;
    }

    LockSettings settings() {
        return settings;
    }
}
