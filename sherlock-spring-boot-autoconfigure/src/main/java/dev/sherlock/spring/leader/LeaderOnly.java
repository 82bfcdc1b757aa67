package dev.sherlock.spring.leader;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method of a Spring bean only while this application leads {@link #role()}; elsewhere the call
 * is skipped and returns {@code null} ({@link java.util.Optional#empty()} for an {@code Optional}). The role must be
 * one of {@code sherlock.leader.roles}, which is checked at startup, as are methods returning a primitive other than
 * {@code void} (they cannot return {@code null}).
 *
 * <pre class="code">
 * &#64;Scheduled(fixedDelay = 60_000)
 * &#64;LeaderOnly(role = "invoice-export")
 * public void exportInvoices() {
 *     long epoch = elections.leadership("invoice-export").orElseThrow().epoch();
 *     store.write(batch, epoch);   // refused if a newer leader wrote meanwhile
 * }
 * </pre>
 *
 * <p>Leadership is checked when the call starts: a term may end while the method runs, so fence its writes with
 * the term's epoch ({@link LeaderElections#leadership(String)}).
 *
 * @since 0.2.0
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LeaderOnly {

    /**
     * The role whose leader runs the method.
     * @return one of {@code sherlock.leader.roles}
     */
    String role();
}
