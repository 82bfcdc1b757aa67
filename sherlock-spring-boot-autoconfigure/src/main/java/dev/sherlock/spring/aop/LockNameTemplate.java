package dev.sherlock.spring.aop;

import java.util.Objects;
import java.util.function.Supplier;

import dev.sherlock.annotation.DistributedLock;
import org.jspecify.annotations.Nullable;

/**
 * The name template of the {@link DistributedLock} method whose lock this thread is acquiring right now, e.g.
 * {@code invoice-#{#id}}: a bounded value to tag metrics with, where the rendered name ({@code invoice-42}) is not.
 *
 * <p>Code that builds lock names at run time and takes them from the registry names its template the same way:
 * <pre class="code">
 * Lock lock = registry.getLock("invoice-" + id);
 * boolean acquired = LockNameTemplate.whileAcquiring("invoice-{id}", () -&gt; lock.tryAcquire(timeout));
 * </pre>
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

    /**
     * Runs {@code acquire} with {@code template} as this thread's current template, then restores the earlier one.
     * @param template what metrics are tagged with instead of the lock's name
     * @param acquire the acquire to run
     * @param <T> what it returns
     * @return what {@code acquire} returned
     */
    public static <T> T whileAcquiring(String template, Supplier<T> acquire) {
        Objects.requireNonNull(template, "'template' must not be null");
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
