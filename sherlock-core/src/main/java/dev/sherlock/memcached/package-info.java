/**
 * The memcached backend: locks as items created with {@code add} and deleted or renewed only under a CAS check, in
 * py-sherlock's key layout, through spymemcached's binary protocol.
 */
@NullMarked
package dev.sherlock.memcached;

import org.jspecify.annotations.NullMarked;
