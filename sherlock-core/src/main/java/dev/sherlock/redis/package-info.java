/**
 * The Redis backend: py-sherlock-compatible lock keys, Lua scripts for every change, fencing counters in the lock's
 * cluster slot and release hand-off over one pub/sub subscription, through Spring Data Redis.
 */
@NullMarked
package dev.sherlock.redis;

import org.jspecify.annotations.NullMarked;
