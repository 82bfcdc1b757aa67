package dev.sherlock.faults;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

import dev.sherlock.faults.RunLogs.Acquisition;

/**
 * Checks one run after the fact, from the workers' logs and the resource's journal. All times are
 * {@link System#nanoTime()} of one machine; every count is of definite events, so a slow machine can hide a
 * violation but never invent one.
 *
 * <ul>
 * <li><b>Overlap of beliefs</b>: two acquisitions whose belief intervals intersect. A belief interval runs from the
 * moment acquire returned (logged after the return) to the start of the last {@code isHeldByCurrentThread()} that
 * answered true (logged before the call): both ends are on the safe side, so an overlap means that at one instant
 * two holders both believed they held the lock. Overlaps whose earlier holder acquired before, and later holder
 * after, the crash of a server that keeps no data are counted apart ({@link Summary#expectedOverlaps()}): that
 * server forgot the lock, and only fencing protects the data then.</li>
 * <li><b>Stale write</b>: a write presented to the resource with a token lower than the highest token the resource
 * had already seen (registered, read or written) when the write arrived, i.e. a newer holder had already reached
 * the resource. The resource must reject every one: stale writes <em>accepted</em> must be 0; the rejected ones
 * count the times fencing saved the data.</li>
 * <li><b>Token regression</b>: acquisitions A and B where A's acquire returned before B's first attempt was sent
 * (so A certainly came first) but B's token is not greater than A's; and any token handed out twice.</li>
 * <li><b>Lost update</b>: accepted writes minus the final counter. Every accepted write stores the value its holder
 * read plus one, so a write built on an outdated read shows up as a missing increment.</li>
 * <li><b>Late write</b> (reported, not a violation): an accepted write made after another holder with a greater
 * token had returned from acquire but before it reached the resource. Fencing cannot see these: the resource only
 * knows tokens that were presented to it. Without overlaps of beliefs they come only from a holder paused between
 * its last check and its write.</li>
 * </ul>
 */
final class RunAnalysis {

    /**
     * A fault the test injected.
     * @param kind e.g. {@code holder-pause}
     * @param start when it began
     * @param end when it ended (the process resumed, restarted, or was replaced)
     * @param losesLocks whether the server forgot every lock (a restart without persistence)
     */
    record Fault(String kind, long start, long end, boolean losesLocks) {
    }

    private RunAnalysis() {
    }

    static Summary analyze(String backend, RunLogs logs, List<FencedResource.Entry> journal, List<Fault> faults) {
        List<Acquisition> acquisitions = logs.acquisitions();
        Summary.Builder summary = new Summary.Builder(backend);
        summary.acquisitions = acquisitions.size();
        summary.acquireTimeouts = logs.acquireTimeouts();
        summary.acquireErrors = logs.acquireErrors();
        summary.lossSignals = logs.lossSignals();
        faults.forEach(fault -> summary.faults.merge(fault.kind(), 1, Integer::sum));
        overlaps(acquisitions, faults, summary);
        tokens(acquisitions, summary);
        resource(acquisitions, journal, summary);
        return summary.build();
    }

    private static void overlaps(List<Acquisition> acquisitions, List<Fault> faults, Summary.Builder summary) {
        List<Acquisition> beliefs = acquisitions.stream().filter(a -> a.believed && a.lastBelief > a.returned)
                .sorted(Comparator.comparingLong(a -> a.returned)).toList();
        PriorityQueue<Acquisition> active = new PriorityQueue<>(Comparator.comparingLong(a -> a.lastBelief));
        for (Acquisition later : beliefs) {
            while (!active.isEmpty() && active.peek().lastBelief <= later.returned) {
                active.poll();
            }
            for (Acquisition earlier : active) {
                boolean forgotten = faults.stream().anyMatch(f -> f.losesLocks() && earlier.returned < f.start()
                        && f.start() < later.returned);
                if (forgotten) {
                    summary.expectedOverlaps++;
                }
                else {
                    summary.overlaps++;
                    summary.violation("overlap: " + earlier + " / " + later);
                }
            }
            active.add(later);
        }
    }

    private static void tokens(List<Acquisition> acquisitions, Summary.Builder summary) {
        Map<Long, Integer> uses = new HashMap<>();
        acquisitions.forEach(a -> uses.merge(a.token, 1, Integer::sum));
        uses.forEach((token, count) -> {
            if (count > 1) {
                summary.duplicateTokens += count - 1;
                summary.violation("token " + token + " handed out " + count + " times");
            }
        });
        TreeMap<Long, Long> highestReturned = highestReturned(acquisitions);
        for (Acquisition later : acquisitions) {
            if (later.sent == SendTimes.UNKNOWN) {
                summary.unknownSendTimes++;
                continue;
            }
            Map.Entry<Long, Long> before = highestReturned.lowerEntry(later.sent);
            if (before != null && before.getValue() >= later.token) {
                summary.tokenRegressions++;
                summary.violation("token regression: " + later + " was sent after an acquisition with token "
                        + before.getValue() + " had returned");
            }
        }
    }

    private static void resource(List<Acquisition> acquisitions, List<FencedResource.Entry> journal,
            Summary.Builder summary) {
        TreeMap<Long, Long> highestReturned = highestReturned(acquisitions);
        long highest = Long.MIN_VALUE;
        long counter = 0;
        for (FencedResource.Entry entry : journal) {
            boolean stale = entry.token() < highest;
            if (entry.kind() == 'W') {
                if (stale && entry.accepted()) {
                    summary.staleAccepted++;
                    summary.violation("stale write accepted: " + entry);
                }
                else if (stale) {
                    summary.staleRejected++;
                }
                if (entry.accepted()) {
                    summary.acceptedWrites++;
                    counter = entry.counter();
                    Map.Entry<Long, Long> newer = highestReturned.lowerEntry(entry.time());
                    if (newer != null && newer.getValue() > entry.token()) {
                        summary.lateWrites++;
                    }
                }
            }
            else if (!entry.accepted()) {
                summary.staleOtherRejected++;
            }
            if (entry.accepted()) {
                highest = Math.max(highest, entry.token());
            }
        }
        summary.counter = counter;
        summary.lostUpdates = summary.acceptedWrites - counter;
        if (summary.lostUpdates != 0) {
            summary.violation(summary.acceptedWrites + " accepted writes but the counter is " + counter);
        }
        summary.outcomes = new TreeMap<>();
        for (Acquisition a : acquisitions) {
            summary.outcomes.merge(a.outcome == null ? "unfinished (killed)" : a.outcome, 1, Integer::sum);
        }
    }

    /** The highest token among the acquisitions that had returned, by the time they returned. */
    private static TreeMap<Long, Long> highestReturned(List<Acquisition> acquisitions) {
        TreeMap<Long, Long> highestReturned = new TreeMap<>();
        long highest = Long.MIN_VALUE;
        for (Acquisition a : acquisitions.stream().sorted(Comparator.comparingLong(a -> a.returned)).toList()) {
            highest = Math.max(highest, a.token);
            highestReturned.put(a.returned, highest);
        }
        return highestReturned;
    }
}
