package dev.sherlock.spring.leader;

import dev.sherlock.leader.Leadership;

import org.springframework.context.ApplicationEvent;

/**
 * This application became leader of a role. Published on the election's thread, which holds the role's lock: an
 * {@code @EventListener} should return soon (or be {@code @Async}).
 *
 * @since 0.2.0
 */
public final class LeaderGrantedEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final Leadership leadership;

    /**
     * Creates the event.
     * @param elections the elections bean that publishes it
     * @param leadership the term that starts, with its epoch
     */
    public LeaderGrantedEvent(LeaderElections elections, Leadership leadership) {
        super(elections);
        this.leadership = leadership;
    }

    /**
     * The term that starts.
     * @return the role and the epoch
     */
    public Leadership leadership() {
        return leadership;
    }

    @Override
    public String toString() {
        return "LeaderGrantedEvent of role '" + leadership.role() + "', epoch " + leadership.epoch();
    }
}
