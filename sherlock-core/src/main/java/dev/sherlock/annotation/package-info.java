/**
 * The {@link dev.sherlock.annotation.DistributedLock} annotation, free of any framework dependency.
 */
@NullMarked
package dev.sherlock.annotation;

import org.jspecify.annotations.NullMarked;
