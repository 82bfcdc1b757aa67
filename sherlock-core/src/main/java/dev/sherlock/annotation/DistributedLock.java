package dev.sherlock.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method while holding a distributed lock: the lock is acquired before the call and released
 * after it, also when the method throws.
 *
 * <pre>{@code
 * @DistributedLock(name = "invoice-#{#id}", timeout = "2s")
 * public Invoice settle(long id) { ... }
 * }</pre>
 *
 * <p>The annotation is plain Java; the Sherlock Spring Boot starter applies it to the methods of Spring beans through
 * a proxy, so, as with {@code @Transactional}, a call from the bean to itself is not locked. The lock comes from the
 * application's {@code LockRegistry}, whose one handle per name makes a nested call with the same name on the same
 * thread re-enter instead of deadlocking. The lock is taken around any {@code @Transactional} proxy of the same bean,
 * so the transaction commits before the lock is released.
 *
 * <p>The method's exceptions pass through unchanged. If the lock was lost while the method ran (it expired or was
 * taken over), releasing it throws {@code LockLostException} after the method returned normally; if the method threw,
 * its exception wins and the loss is added to it as a suppressed exception.
 *
 * <p>Methods returning a {@link java.util.concurrent.Future}, a {@link java.util.concurrent.CompletionStage} or a
 * reactive type are rejected at startup: the lock would be released when the work starts, not when it ends.
 *
 * <p>On a {@code @Scheduled} method that should run on one node per tick, {@link #holdAtLeast()} keeps the lock a
 * while after an early return, so a node whose clock or schedule is a little late skips the tick instead of running it
 * again, and {@link #holdAtMost()} bounds how long a hung run keeps the other nodes out. The Spring Boot starter's
 * {@code @ScheduledJobLock} sets all this up in one annotation. {@code @DistributedLock} may be used as a
 * meta-annotation of annotations of your own.
 *
 * <p>Durations ({@link #timeout()}, {@link #expire()}, {@link #holdAtLeast()}, {@link #holdAtMost()}) are Strings: {@code "10s"}, {@code "500ms"}, ISO-8601
 * ({@code "PT1M"}), or a plain number of milliseconds, and may contain {@code ${...}} placeholders resolved against the
 * application's environment. They are resolved and checked once, when the bean is created, so a bad value fails at
 * startup naming the method and the attribute.
 *
 * @since 0.1.0
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface DistributedLock {

    /**
     * Name of the lock. Text inside {@code #{...}} is a SpEL expression over the method's arguments, by name
     * ({@code #id}, which needs the {@code -parameters} compiler flag) or by position ({@code #p0}, {@code #a0}), e.g.
     * {@code "invoice-#{#id}"} or {@code "order-#{#order.customerId}-#{#order.number}"}. Everything outside
     * {@code #{...}} is taken literally, including a lone {@code #}: {@code "job#1"} is the lock {@code job#1}. A name
     * without <code>#{</code> is used as is and never parsed. Expressions are parsed when the bean is created, so a syntax
     * error fails at startup; a {@code null} value renders as nothing. The registry's namespace is prefixed as usual.
     * @return the lock's name or name template
     */
    String name();

    /**
     * How long a call waits for the lock before giving up, as {@link #onFailure()} says. {@code "0"} makes one
     * attempt and does not wait. Empty (the default) uses the registry's timeout, {@code sherlock.timeout} in Spring
     * Boot.
     * @return the timeout, or empty for the registry's
     */
    String timeout() default "";

    /**
     * How long the lock lives unless renewed; while the method runs it is renewed automatically if the registry's
     * settings say so ({@code sherlock.auto-renew}). {@code "0"} means the lock never expires (py-sherlock's
     * {@code expire=None}): it stays until released, also when the process dies, so use it only where an operator can
     * clean up. Empty (the default) uses the registry's expiry, {@code sherlock.expire} in Spring Boot.
     * @return the expiry, {@code "0"} for never, or empty for the registry's
     */
    String expire() default "";

    /**
     * How long after it was acquired the lock stays held at least: when the method returns sooner (or throws), the
     * lock is kept on the backend, owner-checked, and released in the background once this time is up (see
     * {@code Lock.releaseHeldAtLeast}); no thread waits for it. Must not exceed the lock's expiry ({@link #expire()},
     * {@link #holdAtMost()} or the registry's), which must not be "never". Empty (the default) releases at once.
     * @return the minimum hold, or empty for none
     * @since 0.2.0
     */
    String holdAtLeast() default "";

    /**
     * The longest the lock is held: it expires this long after it was acquired and is not renewed, so a run that
     * hangs keeps other callers out for that long at most. The method is not interrupted: if it is still running
     * then, its lock is lost (listeners are told, and the release throws {@code LockLostException}). Use it instead
     * of {@link #expire()} (setting both fails at startup). Empty (the default) keeps the lock, renewed as the
     * registry's settings say, for as long as the method runs.
     * @return the maximum hold, or empty for none
     * @since 0.2.0
     */
    String holdAtMost() default "";

    /**
     * The bean name of the {@code LockRegistry} whose lock this is, for applications with several registries (e.g.
     * one per backend). Empty (the default) uses the application's only, or primary, registry. A name that is not a
     * registry, or several registries with none primary and no name given, fail at startup naming the method.
     * @return the registry's bean name, or empty for the only or primary one
     */
    String registry() default "";

    /**
     * What a call does when the lock is not acquired within {@link #timeout()}.
     * @return the policy; {@link OnFailure#THROW} by default
     */
    OnFailure onFailure() default OnFailure.THROW;

    /**
     * What a call does when the lock is not acquired in time.
     *
     * @since 0.1.0
     */
    enum OnFailure {

        /**
         * Throw {@code LockTimeoutException} (a {@code LockException}) naming the lock and the backend; the method is
         * not called.
         */
        THROW,

        /**
         * Skip the method and return {@code null}, or {@link java.util.Optional#empty()} for an {@code Optional}
         * return type. Methods with a primitive return type other than {@code void} are rejected at startup, since
         * they cannot return {@code null}.
         */
        SKIP
    }
}
