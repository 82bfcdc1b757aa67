/**
 * Spring Boot auto-configuration of a {@link dev.sherlock.LockRegistry} for the backend named by
 * {@code sherlock.backend}, and of the {@link dev.sherlock.annotation.DistributedLock} advisor.
 */
@NullMarked
package dev.sherlock.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
