/**
 * A Spring Boot application whose worker processes deposit into shared accounts under {@code @DistributedLock}, and
 * the demo that starts several of them and checks that no update was lost.
 */
@NullMarked
package dev.sherlock.sample;

import org.jspecify.annotations.NullMarked;
