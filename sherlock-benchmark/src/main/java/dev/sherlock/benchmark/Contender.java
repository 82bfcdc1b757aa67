package dev.sherlock.benchmark;

import java.util.Set;

/**
 * One lock implementation measured: a backend's raw floor, a peer library, or Sherlock.
 *
 * @param backend the store, e.g. {@code "redis"}
 * @param name how the tables and the chart name it, e.g. {@code "Redisson RLock"}
 * @param kind floor, peer or Sherlock
 * @param scenarios the scenarios it takes part in (ShedLock cannot block, so it has no hand-off)
 * @param clients opens a client, as another process would have: its own connections
 */
record Contender(String backend, String name, Kind kind, Set<Scenario> scenarios, ClientFactory clients) {

    /** What a contender is, for the goals and the chart's colours. */
    enum Kind {
        FLOOR, PEER, SHERLOCK
    }

    /** The scenarios of one backend; P4 (held locks) is Sherlock's own and runs apart. */
    enum Scenario {
        UNCONTENDED, HANDOFF, CONTENDED
    }

    boolean takesPart(Scenario scenario) {
        return scenarios.contains(scenario);
    }

    /** Opens clients. */
    @FunctionalInterface
    interface ClientFactory {
        Client open() throws Exception;
    }

    /** A client of the store with its own connections. */
    interface Client extends AutoCloseable {

        /**
         * A handle of the lock {@code name}; a client's handles are used by one thread each.
         * @param name the lock's name
         * @return the handle
         */
        Handle handle(String name) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** One lock, blocking. */
    interface Handle {

        /** Blocks until the lock is held. */
        void lock() throws Exception;

        /** Releases it. */
        void unlock() throws Exception;
    }
}
