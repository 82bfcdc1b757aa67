/**
 * Locks for scheduled jobs: {@link dev.sherlock.spring.scheduling.ScheduledJobLock} runs a {@code @Scheduled} method
 * on one node per tick.
 */
@NullMarked
package dev.sherlock.spring.scheduling;

import org.jspecify.annotations.NullMarked;
