package dev.sherlock.spi;

/**
 * A hold of one lock on a backend: its key and the owner token of the acquisition, as {@link LockBackend#renewAll}
 * takes them.
 *
 * @param key the lock's key
 * @param owner the owner token of the acquisition
 * @since 0.1.0
 */
public record HeldKey(String key, String owner) {
}
