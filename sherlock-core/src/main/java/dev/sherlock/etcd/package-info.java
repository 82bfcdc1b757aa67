/**
 * The etcd backend: lease-bound lock keys created by create-if-absent transactions, revision fencing tokens, and
 * waiters that stand in line and are handed the lock by the release, over jetcd (etcd v3 API).
 */
@NullMarked
package dev.sherlock.etcd;

import org.jspecify.annotations.NullMarked;
