package dev.sherlock.redis;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import org.jspecify.annotations.Nullable;

/**
 * A lock on Redis (py-sherlock's {@code RedisLock}), on the key {@code <namespace>_<name>} shared with py-sherlock.
 * Each handle is independent: two handles of one name contend as two processes do.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.of(connectionFactory);   // one per application, closed on shutdown
 * try (RedisLock lock = new RedisLock("orders", redis)) {
 *     lock.acquire();
 *     ...
 * }
 * }</pre>
 *
 * @see RedisBackend
 * @since 0.1.0
 */
public class RedisLock extends BackendLock {

    /**
     * Creates a handle with the default settings and no namespace.
     * @param name the lock's name
     * @param backend the application's Redis backend
     */
    public RedisLock(String name, RedisBackend backend) {
        this(name, backend, null, LockSettings.defaults());
    }

    /**
     * Creates a handle.
     * @param name the lock's name
     * @param backend the application's Redis backend
     * @param namespace prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     */
    public RedisLock(String name, RedisBackend backend, @Nullable String namespace, LockSettings settings) {
        super(name, backend, namespace, settings);
    }
}
