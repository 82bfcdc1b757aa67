package dev.sherlock.spring.leader;

import dev.sherlock.leader.Leadership;

import org.springframework.context.ApplicationEvent;

/**
 * This application no longer leads a role: it is shutting down (the lock was released, another node takes over at
 * once), or the role's lock was lost (another node may lead already, with a greater epoch) or could not be released
 * (it is left to expire).
 *
 * @since 0.2.0
 */
public final class LeaderRevokedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final Leadership leadership;

    private final boolean lost;

    /**
     * Creates the event.
     * @param elections the elections bean that publishes it
     * @param leadership the term that ended
     * @param lost whether the lock was lost rather than released
     */
    public LeaderRevokedEvent(LeaderElections elections, Leadership leadership, boolean lost) {
        super(elections);
        this.leadership = leadership;
        this.lost = lost;
    }

    /**
     * The term that ended.
     * @return the role and the epoch
     */
    public Leadership leadership() {
        return leadership;
    }

    /**
     * Whether the term ended otherwise than by a release on shutdown.
     * @return {@code true} if lost (or not released), {@code false} if released on shutdown
     */
    public boolean lost() {
        return lost;
    }

    @Override
    public String toString() {
        return "LeaderRevokedEvent of role '" + leadership.role() + "', epoch " + leadership.epoch()
                + (lost ? " (lost)" : " (released)");
    }
}
