package dev.sherlock.sample;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import dev.sherlock.sample.WorkerProcess.Result;

/**
 * The demo: several worker JVMs deposit into the same few accounts at once, each deposit under the account's
 * {@code @DistributedLock} on the file backend. A progress line shows the deposits advancing; the summary checks that
 * no update was lost, that fencing tokens only increased, and shows how long acquiring took.
 *
 * <p>Options: {@code --workers=4 --deposits=500 --accounts=3 --work=3ms}, {@code --unlocked} to deposit without the
 * lock and watch updates get lost, {@code --keep} to keep the data directory.
 */
final class ContentionDemo {

    private static final Duration STARTUP = Duration.ofMinutes(2);

    private static final Duration DEPOSITS = Duration.ofMinutes(5);

    private ContentionDemo() {
    }

    static int main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        }
        catch (IllegalArgumentException ex) {
            System.err.println(ex.getMessage());
            return 2;
        }
        Summary summary = run(options, System.out);
        return summary.passed() ? 0 : 1;
    }

    static Summary run(Options options, PrintStream out) throws Exception {
        Path directory = Files.createTempDirectory("sherlock-sample-");
        out.printf("Sherlock sample: %d worker JVMs x %d deposits into %d shared accounts, each deposit %s%n",
                options.workers(), options.deposits(), options.accounts(), options.locked()
                        ? "under @DistributedLock(name = \"account-#{#account}\")" : "WITHOUT a lock (--unlocked)");
        out.printf("  backend file, locks in %s%n", directory.resolve("locks"));
        List<WorkerProcess> workers = new ArrayList<>();
        try {
            long started = System.nanoTime();
            for (int i = 1; i <= options.workers(); i++) {
                workers.add(WorkerProcess.start(i, List.of("sherlock.file.directory=" + directory.resolve("locks"),
                        "sample.data-directory=" + directory.resolve("accounts"),
                        "sample.accounts=" + options.accounts(), "sample.deposits=" + options.deposits(),
                        "sample.work=" + options.work().toMillis() + "ms", "sample.locked=" + options.locked())));
            }
            awaitReady(workers, out);
            out.printf("  %d workers started in %.1f s; go%n", workers.size(), seconds(System.nanoTime() - started));
            for (WorkerProcess worker : workers) {
                worker.go();
            }
            long go = System.nanoTime();
            showProgress(workers, options.workers() * options.deposits(), go, out);
            long elapsed = System.nanoTime() - go;
            for (WorkerProcess worker : workers) {
                int exit = worker.waitFor(30, TimeUnit.SECONDS);
                if (exit != 0 || worker.result() == null) {
                    throw new IllegalStateException("A worker failed with exit code " + exit + worker.lastLines());
                }
            }
            Summary summary = summarize(workers, directory.resolve("accounts"), options, elapsed);
            summary.print(out);
            if (!options.keep()) {
                delete(directory);
            }
            return summary;
        }
        finally {
            workers.forEach(WorkerProcess::destroy);
        }
    }

    private static void awaitReady(List<WorkerProcess> workers, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        out.print("  starting workers ...");
        out.flush();
        while (!workers.stream().allMatch(WorkerProcess::ready)) {
            for (WorkerProcess worker : workers) {
                if (!worker.alive() && !worker.ready()) {
                    throw new IllegalStateException("A worker exited before it was ready" + worker.lastLines());
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Workers not ready within " + STARTUP);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        out.println();
    }

    private static void showProgress(List<WorkerProcess> workers, int total, long go, PrintStream out)
            throws InterruptedException {
        boolean terminal = System.console() != null;
        long deadline = go + DEPOSITS.toNanos();
        long lastPrinted = 0;
        while (true) {
            int done = workers.stream().mapToInt(WorkerProcess::progress).sum();
            boolean finished = workers.stream().allMatch(worker -> worker.result() != null);
            boolean failed = workers.stream().anyMatch(worker -> !worker.alive() && worker.result() == null);
            long now = System.nanoTime();
            if (terminal || finished || failed || now - lastPrinted > TimeUnit.SECONDS.toNanos(2)) {
                double elapsed = seconds(now - go);
                String line = String.format("  [%s] %d/%d deposits  %.1f s  %.0f deposits/s", bar(done, total), done,
                        total, elapsed, elapsed > 0 ? done / elapsed : 0.0);
                // Trailing spaces clear what is left of a longer previous line.
                out.print(terminal ? "\r" + line + "    " : line + System.lineSeparator());
                out.flush();
                lastPrinted = now;
            }
            if (finished || failed) {
                break;
            }
            if (now - deadline > 0) {
                throw new IllegalStateException("Deposits not finished within " + DEPOSITS);
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        if (terminal) {
            out.println();
        }
    }

    private static Summary summarize(List<WorkerProcess> workers, Path accounts, Options options, long elapsed)
            throws IOException {
        int deposits = 0;
        int outOfOrder = 0;
        List<long[]> latencies = new ArrayList<>();
        for (WorkerProcess worker : workers) {
            Result result = worker.result();
            deposits += result.deposits();
            outOfOrder += result.outOfOrder();
            latencies.add(result.latenciesMicros());
        }
        long balances = 0;
        for (int account = 0; account < options.accounts(); account++) {
            balances += balance(accounts.resolve("account-" + account));
        }
        long[] sorted = latencies.stream().flatMapToLong(LongStream::of).sorted().toArray();
        return new Summary(options, deposits, deposits - balances, outOfOrder, percentile(sorted, 0.50),
                percentile(sorted, 0.99), elapsed, Ticks.of(TickJob.runs(accounts)));
    }

    private static long balance(Path account) throws IOException {
        try {
            return Long.parseLong(Files.readString(account, StandardCharsets.US_ASCII).trim().split(" ")[0]);
        }
        catch (NoSuchFileException ex) {
            return 0;
        }
    }

    private static long percentile(long[] sorted, double quantile) {
        return sorted.length == 0 ? 0 : sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
    }

    private static String bar(int done, int total) {
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        return "#".repeat(filled) + "-".repeat(width - filled);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void delete(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * The demo's options.
     * @param workers number of worker JVMs
     * @param deposits deposits per worker
     * @param accounts number of accounts, each with its own lock
     * @param work time spent inside the lock per deposit
     * @param locked whether deposits take the lock
     * @param keep whether to keep the data directory afterwards
     */
    record Options(int workers, int deposits, int accounts, Duration work, boolean locked, boolean keep) {

        static Options parse(String[] args) {
            Options options = new Options(4, 500, 3, Duration.ofMillis(3), true, false);
            for (String arg : args) {
                String[] pair = arg.split("=", 2);
                String value = pair.length > 1 ? pair[1] : "";
                options = switch (pair[0]) {
                    case "--workers" -> new Options(positive(arg, value), options.deposits, options.accounts,
                            options.work, options.locked, options.keep);
                    case "--deposits" -> new Options(options.workers, positive(arg, value), options.accounts,
                            options.work, options.locked, options.keep);
                    case "--accounts" -> new Options(options.workers, options.deposits, positive(arg, value),
                            options.work, options.locked, options.keep);
                    case "--work" -> new Options(options.workers, options.deposits, options.accounts,
                            Duration.ofMillis(number(arg, value.replace("ms", ""), 0)), options.locked, options.keep);
                    case "--unlocked" -> new Options(options.workers, options.deposits, options.accounts,
                            options.work, false, options.keep);
                    case "--keep" -> new Options(options.workers, options.deposits, options.accounts,
                            options.work, options.locked, true);
                    default -> throw new IllegalArgumentException("Unknown option '" + arg + "'. Options: "
                            + "--workers=N --deposits=N --accounts=N --work=Nms --unlocked --keep");
                };
            }
            return options;
        }

        private static int positive(String arg, String value) {
            return number(arg, value, 1);
        }

        private static int number(String arg, String value, int least) {
            try {
                int number = Integer.parseInt(value);
                if (number >= least) {
                    return number;
                }
            }
            catch (NumberFormatException ex) {
                // reported below
            }
            throw new IllegalArgumentException("'" + arg + "' needs a whole number of at least " + least);
        }
    }

    /**
     * What the demo found.
     * @param options the options it ran with
     * @param acquisitions deposits made, each under its lock unless unlocked
     * @param lostUpdates deposits that the account balances do not show
     * @param outOfOrder deposits whose fencing token was not greater than the account's previous one
     * @param p50Micros median time to acquire a lock
     * @param p99Micros 99th percentile of the time to acquire a lock
     * @param elapsedNanos time from "go" to the last deposit
     */
    record Summary(Options options, int acquisitions, long lostUpdates, int outOfOrder, long p50Micros,
            long p99Micros, long elapsedNanos, Ticks ticks) {

        boolean passed() {
            return lostUpdates == 0 && outOfOrder == 0 && ticks.passed();
        }

        void print(PrintStream out) {
            out.println();
            out.println("Summary");
            if (options.locked()) {
                out.printf("  acquisitions     %d  (%d processes x %d deposits, %.0f per second)%n", acquisitions,
                        options.workers(), options.deposits(), acquisitions / seconds(elapsedNanos));
            }
            else {
                out.printf("  acquisitions     none  (--unlocked: %d deposits without a lock)%n", acquisitions);
            }
            out.printf("  lost updates     %d%s%n", lostUpdates, lostUpdates == 0 ? "  (the account balances add up to"
                    + " every deposit)" : "  (overlapping deposits overwrote each other)");
            out.printf("  fencing order    %s%n", !options.locked() ? "not checked (no locks)" : outOfOrder == 0
                    ? "OK  (every write carried a greater fencing token than the one before it)"
                    : "VIOLATED  (" + outOfOrder + " writes carried a stale fencing token)");
            if (options.locked()) {
                out.printf("  acquire latency  p50 %.1f ms  p99 %.1f ms%n", p50Micros / 1e3, p99Micros / 1e3);
            }
            out.printf("  elapsed          %.1f s%n", seconds(elapsedNanos));
            ticks.print(out);
        }
    }

    /**
     * What the scheduled job did: one run per tick, each under a greater fencing token.
     * @param ticks the seconds in which the job ran
     * @param runTwice the seconds in which it ran more than once
     * @param workers how many different workers ran it
     * @param tokensInOrder whether each run's fencing token was greater than the one before
     */
    record Ticks(int ticks, int runTwice, int workers, boolean tokensInOrder) {

        static Ticks of(List<long[]> runs) {
            Map<Long, Long> perSecond = runs.stream().collect(Collectors.groupingBy(run -> run[0],
                    Collectors.counting()));
            boolean inOrder = true;
            for (int i = 1; i < runs.size(); i++) {
                inOrder &= runs.get(i)[2] > runs.get(i - 1)[2];
            }
            return new Ticks(perSecond.size(), (int) perSecond.values().stream().filter(count -> count > 1).count(),
                    (int) runs.stream().mapToLong(run -> run[1]).distinct().count(), inOrder);
        }

        boolean passed() {
            return runTwice == 0 && tokensInOrder;
        }

        void print(PrintStream out) {
            out.printf("  scheduled job    %d ticks, %s  (@ScheduledJobLock, runs spread over %d workers)%n", ticks,
                    runTwice == 0 ? "each run by exactly one worker" : "RUN TWICE in " + runTwice + " ticks",
                    workers);
        }
    }
}
