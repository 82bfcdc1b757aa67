package dev.sherlock.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one fault run found; see {@link RunAnalysis} for the precise meaning of each count.
 *
 * @param backend the backend's name
 * @param acquisitions acquisitions made by all workers
 * @param faults faults injected, by kind
 * @param overlaps overlaps of beliefs where the lock guarantees there are none
 * @param expectedOverlaps overlaps across the crash of a server that keeps no data (reported, not a violation)
 * @param staleRejected stale writes the resource rejected: fencing at work
 * @param staleAccepted stale writes the resource accepted
 * @param staleOtherRejected registrations and reads rejected as stale
 * @param tokenRegressions acquisitions whose token was not above that of one that certainly came before
 * @param duplicateTokens tokens handed out more than once (each extra use counts)
 * @param unknownSendTimes acquisitions whose first attempt's send time was not recorded (not checked for order)
 * @param lostUpdates accepted writes minus the final counter
 * @param acceptedWrites writes the resource accepted
 * @param counter the final counter
 * @param lateWrites accepted writes made after a newer holder returned from acquire but before it reached the
 *     resource (reported: fencing cannot see them)
 * @param acquireTimeouts acquire calls that timed out
 * @param acquireErrors acquire calls that failed with an exception
 * @param lossSignals lost-lock signals the workers' listeners received
 * @param outcomes how holds ended, e.g. {@code written/released}
 * @param violations descriptions of the first violations found
 */
record Summary(String backend, int acquisitions, Map<String, Integer> faults, int overlaps, int expectedOverlaps,
        int staleRejected, int staleAccepted, int staleOtherRejected, int tokenRegressions, int duplicateTokens,
        int unknownSendTimes, long lostUpdates, long acceptedWrites, long counter, int lateWrites,
        int acquireTimeouts, int acquireErrors, int lossSignals, Map<String, Integer> outcomes,
        List<String> violations) {

    /** The counts that must be zero wherever the lock's guarantee holds. */
    int violationCount() {
        return overlaps + staleAccepted + tokenRegressions + duplicateTokens + (int) Math.abs(lostUpdates);
    }

    /** A summary table, one row per backend, then the faults injected into each. */
    static String table(List<Summary> summaries) {
        String format = "%-10s %12s %9s %9s %10s %10s %12s %8s %7s%n";
        StringBuilder out = new StringBuilder(String.format(format, "backend", "acquisitions", "overlaps",
                "(no-data)", "stale rej.", "stale acc.", "token regr.", "lost upd", "late w."));
        for (Summary s : summaries) {
            out.append(String.format(format, s.backend, s.acquisitions, s.overlaps, s.expectedOverlaps,
                    s.staleRejected, s.staleAccepted, s.tokenRegressions + s.duplicateTokens, s.lostUpdates,
                    s.lateWrites));
        }
        out.append("faults injected:\n");
        for (Summary s : summaries) {
            out.append(String.format("  %-10s %s%n", s.backend, s.faults.isEmpty() ? "none" : s.faults.entrySet()
                    .stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))));
        }
        out.append("overlaps: two holders believing at one instant; (no-data): overlaps across an immediate restart"
                + " of a server\nwithout persistence, not violations; late w.: accepted writes fencing could not"
                + " judge (see RunAnalysis)\n");
        return out.toString();
    }

    /** Everything, for the log of one run. */
    String details() {
        return backend + ": " + acquisitions + " acquisitions, " + acceptedWrites + " accepted writes, counter "
                + counter + ", acquire timeouts " + acquireTimeouts + ", acquire errors " + acquireErrors
                + ", lost-lock signals " + lossSignals + ", registrations/reads rejected " + staleOtherRejected
                + ", unknown send times " + unknownSendTimes + ", outcomes " + outcomes + ", faults " + faults
                + (violations.isEmpty() ? "" : "\n  violations:\n  " + String.join("\n  ", violations));
    }

    /** Collects the counts during the analysis. */
    static final class Builder {

        final String backend;

        int acquisitions;

        final Map<String, Integer> faults = new TreeMap<>();

        int overlaps;

        int expectedOverlaps;

        int staleRejected;

        int staleAccepted;

        int staleOtherRejected;

        int tokenRegressions;

        int duplicateTokens;

        int unknownSendTimes;

        long lostUpdates;

        long acceptedWrites;

        long counter;

        int lateWrites;

        int acquireTimeouts;

        int acquireErrors;

        int lossSignals;

        Map<String, Integer> outcomes = new TreeMap<>();

        private final List<String> violations = new ArrayList<>();

        Builder(String backend) {
            this.backend = backend;
        }

        void violation(String description) {
            if (violations.size() < 20) {
                violations.add(description);
            }
        }

        Summary build() {
            return new Summary(backend, acquisitions, Collections.unmodifiableMap(new TreeMap<>(faults)), overlaps,
                    expectedOverlaps, staleRejected, staleAccepted, staleOtherRejected, tokenRegressions,
                    duplicateTokens, unknownSendTimes, lostUpdates, acceptedWrites, counter, lateWrites,
                    acquireTimeouts, acquireErrors, lossSignals, Collections.unmodifiableMap(new TreeMap<>(outcomes)),
                    List.copyOf(violations));
        }
    }
}
