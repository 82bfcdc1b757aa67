package dev.sherlock.benchmark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import dev.sherlock.benchmark.Benchmarks.BackendRun;
import dev.sherlock.benchmark.Benchmarks.Results;
import dev.sherlock.benchmark.Contender.Kind;

/** Writes one run's {@code results.md} (tables, the goals of issue 11, the machine) and {@code chart.svg}. */
final class Report {

    private final Options options;

    private final Map<String, BackendRun> runs;

    private final Duration took;

    Report(Options options, Map<String, BackendRun> runs, Duration took) {
        this.options = options;
        this.runs = runs;
        this.took = took;
    }

    /** Writes both files into {@code folder}; returns the Markdown file. */
    Path write(Path folder) throws IOException {
        Files.createDirectories(folder);
        Path markdown = folder.resolve("results.md");
        Files.writeString(markdown, markdown());
        Files.writeString(folder.resolve("chart.svg"), new Chart(runs).svg());
        return markdown;
    }

    private String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Sherlock benchmark\n\n");
        md.append("Run ").append(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")))
                .append(" on ").append(machine()).append(", in ").append(took.toMinutes()).append(" min ")
                .append(took.toSecondsPart()).append(" s, with\n`").append(options.command()).append("`.\n\n");
        md.append("Servers: ");
        md.append(String.join(", ", runs.values().stream().map(run -> run.backend + ": " + run.server.describe())
                .toList())).append(", each started by the benchmark on loopback.\n\n");
        md.append("Every figure is the median of ").append(options.repetitions())
                .append(" repetitions, with their minimum and maximum; the contenders of a backend take turns in each")
                .append(" repetition. Every client has its own connections, as a separate process would; expiry 30 s")
                .append(" with renewal on (no hold lasts long enough to be renewed). P1: one client, acquire +")
                .append(" release pairs for ").append(options.each().toSeconds()).append(" s; \"cost × floor\" is")
                .append(" the time of a pair over the raw floor's. P2: ").append(options.handoffs())
                .append(" hand-offs per repetition, from the start of the holder's release to the blocked waiter's")
                .append(" return (the waiter failed its attempt 20 ms before). P3: ").append("4 clients, each on its")
                .append(" own thread, loop acquire + release on one lock for ").append(options.each().toSeconds())
                .append(" s; fairness = the least lucky client's acquisitions / the luckiest's. CPU: percent of one")
                .append(" core, of this JVM (all clients) and of the server. Requests: the server's own count")
                .append(" (Redis `INFO commandstats`, etcd gRPC messages received, memcached `stats`) per pair.\n\n");
        goals(md);
        for (BackendRun run : runs.values()) {
            backend(md, run);
        }
        held(md);
        return md.toString();
    }

    private void backend(StringBuilder md, BackendRun run) {
        md.append("## ").append(run.backend).append(" (").append(run.server.describe()).append(")\n\n");
        md.append("| contender | P1 pairs/s | P1 cost × floor | P1 requests/pair | P1 CPU client / server % | ")
                .append("P2 hand-off p50 ms | P2 p99 ms | P3 ops/s | P3 fairness | P3 requests/op | ")
                .append("P3 CPU client / server % |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        Contender floor = run.find(Kind.FLOOR, null);
        for (Contender contender : run.contenders) {
            Results results = run.results.get(contender);
            md.append("| ").append(contender.kind() == Kind.SHERLOCK ? "**Sherlock**" : contender.name());
            if (results.uncontended.isEmpty()) {
                md.append(" | — | — | — | —");
            }
            else {
                md.append(" | ").append(spread(results.uncontended, r -> r.pairsPerSecond(), "%,.0f"));
                md.append(" | ").append(floor == null ? "—" : String.format(Locale.ROOT, "%.2f",
                        costOverFloor(run, contender)));
                md.append(" | ").append(median(results.uncontended, r -> r.usage().requestsPerOperation(), "%.1f"));
                md.append(" | ").append(median(results.uncontended, r -> r.usage().clientCpu(), "%.0f")).append(" / ")
                        .append(median(results.uncontended, r -> r.usage().serverCpu(), "%.0f"));
            }
            if (results.handoffs.isEmpty()) {
                md.append(" | — | —");
            }
            else {
                md.append(" | ").append(spread(results.handoffs, h -> h.percentileMillis(0.5), "%.2f"));
                md.append(" | ").append(median(results.handoffs, h -> h.percentileMillis(0.99), "%.2f"));
            }
            if (results.contended.isEmpty()) {
                md.append(" | — | — | — | —");
            }
            else {
                md.append(" | ").append(spread(results.contended, c -> c.opsPerSecond(), "%,.0f"));
                md.append(" | ").append(median(results.contended, c -> c.fairness(), "%.2f"));
                md.append(" | ").append(median(results.contended, c -> c.usage().requestsPerOperation(), "%.1f"));
                md.append(" | ").append(median(results.contended, c -> c.usage().clientCpu(), "%.0f")).append(" / ")
                        .append(median(results.contended, c -> c.usage().serverCpu(), "%.0f"));
            }
            md.append(" |\n");
        }
        md.append('\n');
    }

    private void held(StringBuilder md) {
        if (runs.values().stream().allMatch(run -> run.held.isEmpty())) {
            return;
        }
        md.append("## P4: ").append(String.format(Locale.ROOT, "%,d", options.heldLocks()))
                .append(" locks held at once by one client, expiry ").append(options.heldExpire().toSeconds())
                .append(" s, renewed automatically every third of it\n\n");
        md.append("Heap per lock is retained heap after a full GC, divided by the locks; it includes the benchmark's")
                .append(" own handle and lock name (about 150 bytes). Threads: what the JVM gained while holding")
                .append(" them, and of those Sherlock's renewal threads (its backend's lane). Requests: the server's")
                .append(" count over two renewal periods of holding; reads: the socket reads it handled meanwhile")
                .append(" (Redis `total_reads_processed`), one per round trip, so requests pipelined together count")
                .append(" once. Lost: locks not renewed in time, found lost at their release.\n\n");
        md.append("| backend | contender | acquire all, s | heap per lock, bytes | threads added (renewal) | ")
                .append("requests/s per 1 000 locks | reads/s per 1 000 locks | CPU client / server % | lost |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (BackendRun run : runs.values()) {
            run.held.forEach((contender, result) -> md.append(String.format(Locale.ROOT,
                    "| %s | %s | %.1f | %.0f | %d%s | %s | %s | %.0f / %s | %d |%n", run.backend, contender.name(),
                    result.acquireSeconds(), result.heapBytesPerLock(), result.threadsAdded(),
                    result.renewalThreads() < 0 ? "" : " (" + result.renewalThreads() + ")",
                    format("%.1f", result.requestsPerSecondPer1000()),
                    format("%.1f", result.readsPerSecondPer1000()), result.usage().clientCpu(),
                    format("%.0f", result.usage().serverCpu()), result.lost())));
        }
        md.append('\n');
    }

    /** The goals of issue 11, each with what this run measured. */
    private void goals(StringBuilder md) {
        List<String[]> rows = new ArrayList<>();
        BackendRun redis = runs.get("redis");
        if (redis != null) {
            Contender sherlock = redis.find(Kind.SHERLOCK, null);
            Contender pubSub = redis.find(Kind.PEER, "Spring Integration pub/sub");
            double cost = costOverFloor(redis, sherlock);
            rows.add(row("Redis P1 ≤ 1.08× floor", String.format(Locale.ROOT, "%.2f×", cost), cost <= 1.08));
            double p50 = handoff(redis, sherlock);
            double peer = handoff(redis, pubSub);
            rows.add(row("Redis P2 p50 ≤ Spring Integration pub/sub's", String.format(Locale.ROOT,
                    "%.2f ms vs %.2f ms", p50, peer), p50 <= peer));
            double ops = contendedOps(redis, sherlock);
            double peerOps = contendedOps(redis, pubSub);
            double fairness = fairness(redis, sherlock);
            rows.add(row("Redis P3 ≥ 1.0× Spring Integration pub/sub, fairness ≥ 0.9", String.format(Locale.ROOT,
                    "%.2f× (%,.0f vs %,.0f ops/s), fairness %.2f", ops / peerOps, ops, peerOps, fairness),
                    ops >= peerOps && fairness >= 0.9));
        }
        BackendRun etcd = runs.get("etcd");
        if (etcd != null) {
            Contender sherlock = etcd.find(Kind.SHERLOCK, null);
            Contender floor = etcd.find(Kind.FLOOR, null);
            Contender lockService = etcd.find(Kind.PEER, "jetcd Lock service");
            double cost = costOverFloor(etcd, sherlock);
            rows.add(row("etcd P1 ≤ 1.05× floor", String.format(Locale.ROOT, "%.2f×", cost), cost <= 1.05));
            double p50 = handoff(etcd, sherlock);
            double floorP50 = handoff(etcd, floor);
            rows.add(row("etcd P2 ≤ 1.5× floor", String.format(Locale.ROOT, "%.2f× (%.2f vs %.2f ms)",
                    p50 / floorP50, p50, floorP50), p50 <= 1.5 * floorP50));
            double ops = contendedOps(etcd, sherlock);
            double floorOps = contendedOps(etcd, floor);
            double serviceOps = contendedOps(etcd, lockService);
            double fairness = fairness(etcd, sherlock);
            rows.add(row("etcd P3 ≥ 0.9× floor, fairness ≥ 0.9, ≥ 20× jetcd Lock", String.format(Locale.ROOT,
                    "%.2f× floor, fairness %.2f, %.0f× jetcd Lock", ops / floorOps, fairness, ops / serviceOps),
                    ops >= 0.9 * floorOps && fairness >= 0.9 && ops >= 20 * serviceOps));
        }
        for (BackendRun run : runs.values()) {
            run.held.forEach((contender, result) -> {
                if (contender.kind() == Kind.SHERLOCK) {
                    rows.add(row("P4 " + run.backend + ": ≤ 1 KiB heap per held lock, one renewal thread, none lost",
                            String.format(Locale.ROOT, "%.0f bytes, %d renewal threads, %s requests/s per 1 000%s,"
                                    + " %d lost", result.heapBytesPerLock(), result.renewalThreads(),
                                    format("%.1f", result.requestsPerSecondPer1000()),
                                    Double.isNaN(result.readsPerSecondPer1000()) ? ""
                                            : " in " + format("%.1f", result.readsPerSecondPer1000()) + " reads",
                                    result.lost()),
                            result.heapBytesPerLock() <= 1024 && result.renewalThreads() <= 1
                                    && result.lost() == 0));
                }
            });
        }
        BackendRun file = runs.get("file");
        if (file != null) {
            double ratio = 1 / costOverFloor(file, file.find(Kind.SHERLOCK, null));
            rows.add(row("P5 file ≥ 0.5× FileChannel.lock() floor", String.format(Locale.ROOT, "%.2f×", ratio),
                    ratio >= 0.5));
        }
        md.append("## Goals (issue 11)\n\n| goal | this run | reached |\n|---|---|---|\n");
        for (String[] row : rows) {
            md.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        md.append('\n');
    }

    private static String[] row(String goal, String measured, boolean reached) {
        return new String[] {goal, measured, reached ? "yes" : "**no**"};
    }

    /** The median time of a pair over the floor's median time of a pair. */
    static double costOverFloor(BackendRun run, Contender contender) {
        Contender floor = run.find(Kind.FLOOR, null);
        return medianOf(run.results.get(floor).uncontended, r -> r.pairsPerSecond())
                / medianOf(run.results.get(contender).uncontended, r -> r.pairsPerSecond());
    }

    static double handoff(BackendRun run, Contender contender) {
        return medianOf(run.results.get(contender).handoffs, h -> h.percentileMillis(0.5));
    }

    static double contendedOps(BackendRun run, Contender contender) {
        return medianOf(run.results.get(contender).contended, c -> c.opsPerSecond());
    }

    private static double fairness(BackendRun run, Contender contender) {
        return medianOf(run.results.get(contender).contended, c -> c.fairness());
    }

    static <T> double medianOf(List<T> values, ToDoubleFunction<T> metric) {
        double[] sorted = values.stream().mapToDouble(metric).sorted().toArray();
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    private static <T> String median(List<T> values, ToDoubleFunction<T> metric, String format) {
        return format(format, medianOf(values, metric));
    }

    private static <T> String spread(List<T> values, ToDoubleFunction<T> metric, String format) {
        double[] sorted = values.stream().mapToDouble(metric).sorted().toArray();
        String median = format(format, sorted[sorted.length / 2]);
        return sorted.length == 1 ? median : median + " (" + format(format, sorted[0]) + "–"
                + format(format, sorted[sorted.length - 1]) + ")";
    }

    private static String format(String format, double value) {
        return Double.isNaN(value) ? "—" : String.format(Locale.ROOT, format, value);
    }

    private static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        }
        catch (IOException ex) {
            // Not Linux: the CPU stays unnamed.
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        return String.format(Locale.ROOT, "%d vCPUs (%s), %d GiB, %s %s, Java %s",
                Runtime.getRuntime().availableProcessors(), cpu, Math.round(memory / (1024.0 * 1024 * 1024)),
                System.getProperty("os.name"), System.getProperty("os.version"), Runtime.version());
    }
}
