package dev.sherlock.spring.aop;

import java.util.ArrayDeque;
import java.util.Deque;

import dev.sherlock.Lock;
import dev.sherlock.annotation.DistributedLock;
import org.jspecify.annotations.Nullable;

/**
 * The lock of the {@link DistributedLock} method running on this thread, for the method's own use: its fencing token
 * for fenced writes, {@code renew()}, {@code isHeldByCurrentThread()}, without rebuilding the lock's name.
 *
 * <pre>{@code
 * @DistributedLock(name = "invoice-#{#id}")
 * void bill(long id) {
 *     store.write(id, amount, CurrentLock.get().fencingToken());
 * }
 * }</pre>
 *
 * <p>Bound to the thread for the duration of the call, inside the lock: nested annotated methods see their own lock
 * and, once they return, the outer one again. Like the lock itself, it answers on the calling thread only: read the
 * fencing token here and pass the token to work on other threads.
 *
 * @since 0.1.0
 */
public final class CurrentLock {

    private static final ThreadLocal<@Nullable Deque<Lock>> locks = new ThreadLocal<>();

    private CurrentLock() {
    }

    /**
     * The lock of the innermost {@link DistributedLock} method running on this thread.
     * @return the lock this thread acquired for the method (it may have been lost since: see
     *     {@link Lock#isHeldByCurrentThread()})
     * @throws IllegalStateException if no {@link DistributedLock} method is running on this thread
     */
    public static Lock get() {
        Deque<Lock> held = locks.get();
        if (held == null || held.isEmpty()) {
            throw new IllegalStateException("No @DistributedLock method is running on thread '"
                    + Thread.currentThread().getName() + "': CurrentLock.get() works only inside such a method,"
                    + " on the thread that called it (through its Spring proxy)");
        }
        return held.peek();
    }

    /** Binds {@code lock} to this thread while its method runs. */
    static void enter(Lock lock) {
        Deque<Lock> held = locks.get();
        if (held == null) {
            held = new ArrayDeque<>(2);
            locks.set(held);
        }
        held.push(lock);
    }

    /** Unbinds the innermost lock, once its method returned. */
    static void exit() {
        Deque<Lock> held = locks.get();
        if (held != null) {
            held.pop();
            if (held.isEmpty()) {
                locks.remove();
            }
        }
    }
}
