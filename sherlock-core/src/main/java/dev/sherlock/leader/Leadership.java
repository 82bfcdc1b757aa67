package dev.sherlock.leader;

/**
 * One term of leadership of a role.
 *
 * @param role the role, which is the name of the lock behind it
 * @param epoch the term's epoch: the lock's fencing token, greater than every earlier term's of this role on the
 *     backend. Pass it with the leader's writes so a store can refuse those of a deposed leader
 * @since 0.2.0
 */
public record Leadership(String role, long epoch) {
}
