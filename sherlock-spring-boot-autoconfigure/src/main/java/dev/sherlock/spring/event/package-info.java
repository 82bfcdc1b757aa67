/**
 * Spring application events about Sherlock locks: {@link dev.sherlock.spring.event.LockLostEvent}.
 */
@NullMarked
package dev.sherlock.spring.event;

import org.jspecify.annotations.NullMarked;
