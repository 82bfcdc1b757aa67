/**
 * Distributed, inter-process locks: the {@link dev.sherlock.Lock} API, {@link dev.sherlock.LockRegistry} and the
 * generic machinery (waiting, reentrancy, renewal, fencing bookkeeping) written once above the backend SPI.
 */
@NullMarked
package dev.sherlock;

import org.jspecify.annotations.NullMarked;
