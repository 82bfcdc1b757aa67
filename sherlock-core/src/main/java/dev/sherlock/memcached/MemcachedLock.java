package dev.sherlock.memcached;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import net.spy.memcached.MemcachedClient;
import org.jspecify.annotations.Nullable;

/**
 * A lock in memcached (py-sherlock's {@code MCLock}), in the same key layout, so a Java and a Python service using
 * the same name and namespace exclude each other. Each handle is independent: two handles of one name contend as
 * two processes do.
 *
 * <pre>{@code
 * MemcachedClient client = MemcachedBackend.createClient("cache1:11211");
 * try (MemcachedLock lock = new MemcachedLock("orders", client)) {
 *     lock.acquire();
 *     ...
 * }
 * }</pre>
 *
 * <p>The client must speak the binary protocol, and stays open when the handle is closed: closing a handle only
 * releases the lock. See {@link MemcachedBackend} for the guarantees and for what a memcached restart or eviction
 * does to locks.
 *
 * @see MemcachedBackend
 * @since 0.1.0
 */
public class MemcachedLock extends BackendLock {

    /**
     * Creates a handle with the default settings and no namespace.
     * @param name the lock's name
     * @param client a client built with a binary connection factory
     * @throws dev.sherlock.LockConfigurationException if the name is invalid or the client speaks ASCII
     */
    public MemcachedLock(String name, MemcachedClient client) {
        this(name, client, null, LockSettings.defaults());
    }

    /**
     * Creates a handle.
     * @param name the lock's name
     * @param client a client built with a binary connection factory
     * @param namespace prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     * @throws dev.sherlock.LockConfigurationException if the name is invalid or the client speaks ASCII
     */
    public MemcachedLock(String name, MemcachedClient client, @Nullable String namespace, LockSettings settings) {
        super(name, MemcachedBackend.of(client), namespace, settings);
    }
}
