/**
 * Micrometer observations of locks: {@link dev.sherlock.spring.observation.ObservationLockObserver} times acquires,
 * holds and renewals, and {@link dev.sherlock.spring.observation.LockLossCounter} counts lost locks.
 */
@NullMarked
package dev.sherlock.spring.observation;

import org.jspecify.annotations.NullMarked;
