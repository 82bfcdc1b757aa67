package dev.sherlock.spring.scheduling;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.sherlock.annotation.DistributedLock;
import dev.sherlock.annotation.DistributedLock.OnFailure;

import org.springframework.core.annotation.AliasFor;

/**
 * Runs a {@code @Scheduled} method on one node per tick: the node that gets the lock runs it, the others skip that
 * tick at once (one attempt, no wait, nothing thrown), and the lock is held at least {@link #holdAtLeast()} after
 * it was taken, so a node whose clock or schedule is a little behind does not run the same tick again.
 *
 * <pre class="code">
 * &#64;Scheduled(cron = "0 *&#47;5 * * * *")
 * &#64;ScheduledJobLock(name = "invoice-export", holdAtLeast = "30s", holdAtMost = "10m")
 * public void exportInvoices() { ... }
 * </pre>
 *
 * <p>A shortcut for {@code @DistributedLock(name = ..., timeout = "0", onFailure = SKIP, holdAtLeast = ...,
 * holdAtMost = ...)}; see {@link DistributedLock} for the attributes. Choose {@code holdAtLeast} longer than the
 * clock and schedule differences between nodes and shorter than the schedule's period; {@code holdAtMost} longer
 * than the longest normal run.
 *
 * @since 0.2.0
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@DistributedLock(name = "", timeout = "0", onFailure = OnFailure.SKIP)
public @interface ScheduledJobLock {

    /**
     * Name of the job's lock; the same on every node.
     * @return the lock's name
     */
    @AliasFor(annotation = DistributedLock.class)
    String name();

    /**
     * How long after the lock was taken it stays held at least, however soon the job ends.
     * @return the minimum hold, e.g. {@code "30s"}, or empty for none
     */
    @AliasFor(annotation = DistributedLock.class)
    String holdAtLeast() default "";

    /**
     * The longest one run keeps the lock: it expires then, not renewed, so a hung run blocks the job on other nodes
     * for no longer. Empty (the default) renews the lock for as long as the run lasts.
     * @return the maximum hold, e.g. {@code "10m"}, or empty for none
     */
    @AliasFor(annotation = DistributedLock.class)
    String holdAtMost() default "";

    /**
     * The bean name of the registry to use, or empty for the only or primary one.
     * @return the registry's bean name
     */
    @AliasFor(annotation = DistributedLock.class)
    String registry() default "";
}
