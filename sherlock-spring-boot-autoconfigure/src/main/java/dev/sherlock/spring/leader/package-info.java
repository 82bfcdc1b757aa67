/**
 * Leader election in a Spring application: {@code sherlock.leader.roles}, the {@link
 * dev.sherlock.spring.leader.LeaderElections} lifecycle bean, its events and {@link
 * dev.sherlock.spring.leader.LeaderOnly} methods.
 */
@NullMarked
package dev.sherlock.spring.leader;

import org.jspecify.annotations.NullMarked;
