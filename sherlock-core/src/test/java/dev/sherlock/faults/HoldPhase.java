package dev.sherlock.faults;

import dev.sherlock.faults.RunLogs.Acquisition;

/**
 * Where in its hold the fault suite pauses a worker. A worker checks {@code isHeldByCurrentThread()} three times
 * per hold: before it registers its token, before it writes (with work before and after that check), and after.
 */
enum HoldPhase {

    /** Anywhere while it believes it holds the lock. */
    ANY("holder-pause", 0),

    /** Before the check that precedes the write: when it runs again, that check must answer false. */
    BEFORE_CHECK("holder-pause-before-check", 1),

    /**
     * After that check, before the write: when it runs again it writes with a superseded token, which the resource
     * must reject.
     */
    BEFORE_WRITE("holder-pause-before-write", 2);

    /** The fault's name in the summary. */
    final String fault;

    /** How many checks answered true before this phase, or 0 for any. */
    private final int beliefs;

    HoldPhase(String fault, int beliefs) {
        this.fault = fault;
        this.beliefs = beliefs;
    }

    boolean matches(Acquisition held) {
        return beliefs == 0 || held.beliefs == beliefs;
    }
}
