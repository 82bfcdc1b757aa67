package dev.sherlock.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import dev.sherlock.faults.RunAnalysis.Fault;
import dev.sherlock.faults.RunLogs.Acquisition;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.ProcessSignals;
import dev.sherlock.testserver.TestServers;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One multi-process fault scenario on one backend: a real server (none for the file backend) on free ports, worker
 * JVMs ({@link FaultWorker}) contending for one lock around a {@link FencedResource}, and the faults the test
 * injects into them. Every wait is for an event (acquisitions made, a newer token reaching the resource), bounded
 * only so that a run that stops making progress fails with a message instead of hanging.
 *
 * <p>The run's files (worker logs and output, the resource's journal) stay in
 * {@code target/fault-runs/<backend>-<time>} for inspection.
 */
final class FaultRun implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(FaultRun.class);

    /** How long a run may go without the event it waits for before it fails. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final String backend;

    private final @Nullable LocalServer server;

    private final boolean serverKeepsData;

    private final Path directory;

    private final Path journal;

    private final Duration expire;

    private final RunLogs logs;

    private final WorkerProcesses workers;

    private final List<Fault> faults = new ArrayList<>();

    private FaultRun(String backend, Duration expire, int threads) throws IOException {
        this.backend = backend;
        this.expire = expire;
        this.directory = Files.createDirectories(Path.of("target", "fault-runs",
                backend + "-" + System.currentTimeMillis()).toAbsolutePath());
        this.journal = directory.resolve(FaultWorker.JOURNAL);
        this.logs = new RunLogs(directory);
        String address;
        switch (backend) {
            case "file" -> {
                server = null;
                serverKeepsData = true;
                // Private to this user whatever the umask: the File backend refuses a directory others can write.
                address = Files.createDirectory(directory.resolve("locks"), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------"))).toString();
            }
            case "redis" -> {
                server = LocalServer.startOnPorts(TestServers.REDIS, LocalServer.freePorts(1));
                serverKeepsData = false;
                address = "127.0.0.1:" + server.port();
            }
            case "memcached" -> {
                server = LocalServer.startOnPorts(TestServers.MEMCACHED, LocalServer.freePorts(1));
                serverKeepsData = false;
                address = "127.0.0.1:" + server.port();
            }
            case "etcd" -> {
                server = LocalServer.startOnPorts(TestServers.ETCD, LocalServer.freePorts(2));
                serverKeepsData = true;
                address = "http://127.0.0.1:" + server.port();
            }
            default -> throw new IllegalArgumentException("No fault scenario for backend " + backend);
        }
        this.workers = new WorkerProcesses(List.of(backend, address, directory.toString()), directory, threads,
                expire);
    }

    /**
     * Starts the server and {@code workers} worker JVMs of {@code threads} threads each.
     * @param backend {@code file}, {@code redis}, {@code memcached} or {@code etcd}
     * @param expire the locks' expiry
     */
    static FaultRun start(String backend, Duration expire, int workers, int threads) throws IOException {
        FaultRun run = new FaultRun(backend, expire, threads);
        try {
            for (int i = 0; i < workers; i++) {
                run.workers.start();
            }
        }
        catch (RuntimeException ex) {
            run.close();
            throw ex;
        }
        logger.info("Fault run on {}: {} workers of {} threads, expire {}, files in {}", backend, workers, threads,
                expire, run.directory);
        return run;
    }

    boolean hasServer() {
        return server != null;
    }

    /** Waits until the workers have made {@code more} acquisitions from now on. */
    void awaitAcquisitions(int more) {
        int target = logs.poll().count() + more;
        await(() -> logs.poll().count() >= target, () -> "the workers did not make " + more
                + " more acquisitions (" + logs.count() + " so far)");
    }

    /**
     * Pauses a worker while it holds the lock (SIGSTOP, as a long GC pause would), keeps it paused until its hold
     * expired and another worker acquired and reached the resource with a newer token, then lets it run on
     * (SIGCONT).
     * @param phase where in the hold to pause it
     */
    void pauseHolderPastExpiry(HoldPhase phase) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Acquisition held = pauseAHolder(phase);
            long start = System.nanoTime();
            boolean reached = awaitTakeover(held, "paused");
            ProcessSignals.resume(workers.pid(held.worker));
            if (reached || phase != HoldPhase.BEFORE_WRITE) {
                record(new Fault(phase.fault, start, System.nanoTime(), false));
                return;
            }
            // Paused inside the resource itself: nobody could reach it, so its write would not be stale. Again.
        }
        throw new AssertionError("Fault run: a holder paused before its write was never overtaken at the resource");
    }

    /** Pauses a worker while it holds the lock for {@code pause}, shorter than the expiry, then lets it run on. */
    void pauseHolderBriefly(Duration pause) {
        Acquisition held = pauseAHolder(HoldPhase.ANY);
        long start = System.nanoTime();
        sleep(pause);
        ProcessSignals.resume(workers.pid(held.worker));
        record(new Fault("holder-short-pause", start, System.nanoTime(), false));
    }

    /** Kills a worker while it holds the lock (SIGKILL), waits until another one took over, and starts a new one. */
    void killHolder() {
        Acquisition held = pauseAHolder(HoldPhase.ANY);
        long start = System.nanoTime();
        workers.kill(held.worker);
        awaitTakeover(held, "killed");
        workers.start();
        record(new Fault("holder-kill", start, System.nanoTime(), false));
    }

    /** Pauses the server (SIGSTOP) for {@code pause}, then lets it run on and waits for progress. */
    void pauseServer(Duration pause) {
        long start = System.nanoTime();
        ProcessSignals.pause(requireServer().pid());
        sleep(pause);
        ProcessSignals.resume(requireServer().pid());
        record(new Fault(pause.compareTo(expire) > 0 ? "server-long-pause" : "server-short-pause", start,
                System.nanoTime(), false));
        awaitAcquisitions(3);
    }

    /**
     * Kills the server (SIGKILL) and starts it again on the same ports after {@code delay}, then waits for progress.
     * A server that keeps no data forgets every lock: restarted after the expiry (Redlock's "delayed restart"),
     * every holder's belief has ended by then; restarted sooner, overlaps are expected and only fencing protects.
     */
    void restartServer(Duration delay) {
        long start = System.nanoTime();
        LocalServer current = requireServer();
        current.kill();
        sleep(delay);
        current.restart();
        boolean early = delay.compareTo(expire) < 0;
        record(new Fault(early ? "server-restart-immediate" : "server-restart-delayed", start, System.nanoTime(),
                early && !serverKeepsData));
        awaitAcquisitions(3);
    }

    /** Pauses a worker in the given phase of a hold, and returns that hold. */
    private Acquisition pauseAHolder(HoldPhase phase) {
        for (int attempt = 0; attempt < 200; attempt++) {
            Acquisition candidate = awaitOpenAcquisition(phase);
            long pid = workers.pid(candidate.worker);
            ProcessSignals.pause(pid);
            if (logs.poll().isOpen(candidate) && phase.matches(candidate)
                    && (phase != HoldPhase.BEFORE_WRITE || !wrote(candidate))) {
                return candidate;
            }
            // It moved on between the look and the pause: try again.
            ProcessSignals.resume(pid);
        }
        throw new AssertionError("No worker could be paused in a hold (" + phase + ") in 200 attempts");
    }

    private Acquisition awaitOpenAcquisition(HoldPhase phase) {
        List<Acquisition> found = new ArrayList<>();
        await(() -> {
            logs.poll().open().stream().filter(a -> a.believed && workers.isRunning(a.worker) && phase.matches(a))
                    .findFirst().ifPresent(found::add);
            return !found.isEmpty();
        }, () -> "no worker held the lock");
        return found.get(0);
    }

    private boolean wrote(Acquisition acquisition) {
        try {
            return FencedResource.journal(journal).stream()
                    .anyMatch(e -> e.kind() == 'W' && e.token() == acquisition.token);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Waits until another worker acquired with a newer token and, normally, reached the resource with it: then the
     * resource rejects whatever the old holder still tries. If the old holder was stopped inside the resource
     * itself (it holds the resource's OS lock), nobody can reach it until it runs again.
     * @return whether the newer token reached the resource
     */
    private boolean awaitTakeover(Acquisition held, String what) {
        await(() -> logs.poll().acquisitions().stream().anyMatch(a -> a.token > held.token),
                () -> "no other worker acquired the lock after its holder " + held.actor + " (token " + held.token
                        + ") was " + what);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (FencedResource.highestSeen(journal) <= held.token) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            sleep(Duration.ofMillis(20));
        }
        return true;
    }

    private LocalServer requireServer() {
        if (server == null) {
            throw new IllegalStateException("The " + backend + " backend has no server to fault");
        }
        return server;
    }

    private void record(Fault fault) {
        faults.add(fault);
        logger.info("{}: injected {} ({} ms)", backend, fault.kind(),
                TimeUnit.NANOSECONDS.toMillis(fault.end() - fault.start()));
    }

    /**
     * Stops the workers (each finishes its current hold) and checks the run.
     * @return what the run found, and the workers that failed
     */
    Result finish() throws IOException {
        Files.createFile(directory.resolve(FaultWorker.STOP));
        List<String> failures = workers.awaitExit(PATIENCE);
        Summary summary = RunAnalysis.analyze(backend, logs.poll(), FencedResource.journal(journal), faults);
        logger.info("{}", summary.details());
        return new Result(summary, failures);
    }

    /**
     * The outcome of a run.
     * @param summary what the analysis found
     * @param workerFailures workers that failed (other than those the test killed), with their output
     */
    record Result(Summary summary, List<String> workerFailures) {
    }

    @Override
    public void close() {
        workers.close();
        if (server != null) {
            server.close();
        }
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) {
        try {
            Awaitility.await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(condition::getAsBoolean);
        }
        catch (ConditionTimeoutException ex) {
            throw new AssertionError("Fault run: " + what.get() + " within " + PATIENCE, ex);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during a fault run", ex);
        }
    }
}
