package dev.sherlock.spring.aop;

import java.util.function.Supplier;

import dev.sherlock.annotation.DistributedLock;
import org.jspecify.annotations.Nullable;

/**
 * The name template of the {@link DistributedLock} method whose lock this thread is acquiring right now, e.g.
 * {@code invoice-#{#id}}: a bounded value to tag metrics with, where the rendered name ({@code invoice-42}) is not.
 *
 * @since 0.2.0
 */
public final class LockNameTemplate {

    private static final ThreadLocal<@Nullable String> acquiring = new ThreadLocal<>();

    private LockNameTemplate() {
    }

    /**
     * The name template, as written in the annotation, of the lock this thread is acquiring for a
     * {@link DistributedLock} method.
     * @return the template, or {@code null} if this thread is not acquiring such a lock
     */
    public static @Nullable String current() {
        return acquiring.get();
    }

    /** Runs {@code acquire} with {@code template} as this thread's current template, then restores the earlier. */
    static <T> T whileAcquiring(String template, Supplier<T> acquire) {
        String outer = acquiring.get();
        acquiring.set(template);
        try {
            return acquire.get();
        }
        finally {
            if (outer == null) {
                acquiring.remove();
            }
            else {
                acquiring.set(outer);
            }
        }
    }
}
