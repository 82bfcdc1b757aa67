package dev.sherlock.spring.leader;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.sherlock.LockRegistry;
import dev.sherlock.leader.LeaderElection;
import dev.sherlock.leader.LeaderListener;
import dev.sherlock.leader.Leadership;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * The application's leader elections, one per role of {@code sherlock.leader.roles}, started and stopped with the
 * application context: on shutdown a leader releases its lock, so another node takes over at once. Publishes
 * {@link LeaderGrantedEvent} and {@link LeaderRevokedEvent}; {@link LeaderOnly} methods run only while
 * {@link #isLeader(String)}.
 *
 * @since 0.2.0
 */
public final class LeaderElections implements SmartLifecycle {

    private final Map<String, LeaderElection> elections = new LinkedHashMap<>();

    private volatile boolean running;

    /**
     * Creates the elections, not started.
     * @param registry where the roles' locks are; its locks must expire and be renewed automatically
     * @param roles the roles this application contends for
     * @param events where the events are published
     * @throws dev.sherlock.LockConfigurationException if the registry cannot elect, or a role is not a valid name
     */
    public LeaderElections(LockRegistry registry, List<String> roles, ApplicationEventPublisher events) {
        for (String role : roles) {
            elections.put(role, LeaderElection.of(registry, role, new LeaderListener() {
                @Override
                public void granted(Leadership leadership) {
                    events.publishEvent(new LeaderGrantedEvent(LeaderElections.this, leadership));
                }

                @Override
                public void revoked(Leadership leadership, boolean lost) {
                    events.publishEvent(new LeaderRevokedEvent(LeaderElections.this, leadership, lost));
                }
            }));
        }
    }

    /**
     * Whether this application leads {@code role} now.
     * @param role one of the configured roles
     * @return {@code true} during a term
     * @throws IllegalArgumentException if {@code role} is not configured
     */
    public boolean isLeader(String role) {
        return election(role).isLeader();
    }

    /**
     * The current term of {@code role}, while this application leads it: pass its epoch with the leader's writes.
     * @param role one of the configured roles
     * @return the term, or empty
     * @throws IllegalArgumentException if {@code role} is not configured
     */
    public Optional<Leadership> leadership(String role) {
        return election(role).leadership();
    }

    /**
     * The configured roles.
     * @return the roles, in configuration order
     */
    public List<String> roles() {
        return List.copyOf(elections.keySet());
    }

    private LeaderElection election(String role) {
        LeaderElection election = elections.get(role);
        if (election == null) {
            throw new IllegalArgumentException("No leader election of role '" + role + "': the roles are "
                    + elections.keySet() + " (sherlock.leader.roles)");
        }
        return election;
    }

    @Override
    public void start() {
        elections.values().forEach(LeaderElection::start);
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        elections.values().forEach(LeaderElection::stop);
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
