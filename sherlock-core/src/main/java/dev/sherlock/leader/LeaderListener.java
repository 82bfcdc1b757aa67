package dev.sherlock.leader;

/**
 * Told when this node becomes leader of a role and when it stops being leader. Called on the election's own thread,
 * one call at a time and in order; keep the calls short (hand long work to another thread). What a call throws is
 * logged and ignored.
 *
 * @since 0.2.0
 */
public interface LeaderListener {

    /**
     * This node leads {@code leadership.role()} from now on, until {@link #revoked}.
     * @param leadership the term, with its epoch
     */
    void granted(Leadership leadership);

    /**
     * This node no longer leads: the election was stopped and the lock released, so another node takes over at once;
     * or the lock was lost (expired while this process was paused or cut off, or taken over; another node may
     * already lead, with a greater epoch), or its release failed and it is left to expire.
     * @param leadership the term that ended
     * @param lost {@code false} if the lock was released on stop, {@code true} otherwise
     */
    void revoked(Leadership leadership, boolean lost);
}
