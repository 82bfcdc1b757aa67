/**
 * The Spring AOP advisor that applies {@link dev.sherlock.annotation.DistributedLock} to bean methods.
 */
@NullMarked
package dev.sherlock.spring.aop;

import org.jspecify.annotations.NullMarked;
