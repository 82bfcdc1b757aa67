/**
 * Leader election on any backend: {@link dev.sherlock.leader.LeaderElection} holds a lock for a role, and the
 * fencing token of each term is its epoch.
 */
@NullMarked
package dev.sherlock.leader;

import org.jspecify.annotations.NullMarked;
