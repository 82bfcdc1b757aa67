package dev.sherlock.spi;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * One held lock to renew in {@link LockBackend#renewAll}: the arguments of one {@link LockBackend#renew} call.
 *
 * @param key the lock's key
 * @param owner the owner token of the acquisition being renewed
 * @param expire the new lifetime, measured from when the request is sent; {@code null} for never
 * @since 0.1.0
 */
public record HeldKey(String key, String owner, @Nullable Duration expire) {

    /**
     * Checks the arguments.
     * @param key the lock's key
     * @param owner the owner token
     * @param expire the new lifetime, or {@code null}
     */
    public HeldKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(owner, "owner");
    }
}
