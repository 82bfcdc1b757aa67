package dev.sherlock;

import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * Identity of a lock on a backend, and the one place messages about it are shaped:
 * {@code Lock 'orders' (backend redis, namespace 'billing'): <what happened>}.
 */
record LockId(String name, @Nullable String namespace, LockBackend backend, String key) {

    static LockId of(String name, @Nullable String namespace, LockBackend backend) {
        LockNames.validate(name, namespace, backend.name());
        String key;
        try {
            key = backend.key(namespace, name);
        }
        catch (IllegalArgumentException ex) {
            // A name the backend reserves, e.g. one that would be the key of another lock's fencing counter.
            throw new LockConfigurationException(describe(name, namespace, backend.name()) + ": " + ex.getMessage(),
                    ex);
        }
        return new LockId(name, namespace, backend, key);
    }

    String describe(String what) {
        return describe(name, namespace, backend.name()) + ": " + what;
    }

    static String describe(String name, @Nullable String namespace, String backend) {
        return "Lock '" + name + "' (backend " + backend + (namespace == null ? "" : ", namespace '" + namespace + "'")
                + ")";
    }

    @Override
    public String toString() {
        return describe(name, namespace, backend.name());
    }
}
