package dev.sherlock.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sherlock.testserver.ProcessSignals;

/**
 * The {@link FaultWorker} JVMs of one run, launched with the test classpath. A worker's standard input stays open:
 * it exits when it closes, i.e. when the test JVM goes away.
 */
final class WorkerProcesses implements AutoCloseable {

    private record Worker(String id, Process process) {
    }

    private final List<String> arguments;

    private final Path directory;

    private final List<Worker> workers = new ArrayList<>();

    private final Set<String> killed = new HashSet<>();

    /**
     * @param arguments the worker's arguments before its id: backend, address, run directory
     * @param threads threads per worker
     * @param expire the locks' expiry
     */
    WorkerProcesses(List<String> arguments, Path directory, int threads, Duration expire) {
        this.directory = directory;
        List<String> all = new ArrayList<>(arguments);
        all.add(Integer.toString(threads));
        all.add(Long.toString(expire.toMillis()));
        this.arguments = all;
    }

    /** Starts one more worker. */
    void start() {
        String id = "w" + (workers.size() + 1);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-cp",
                System.getProperty("java.class.path"), FaultWorker.class.getName()));
        command.addAll(arguments.subList(0, 3));
        command.add(id);
        command.addAll(arguments.subList(3, arguments.size()));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(directory.resolve(id + ".out").toFile()).start();
            workers.add(new Worker(id, process));
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot start worker " + id, ex);
        }
    }

    long pid(String id) {
        return worker(id).process.pid();
    }

    boolean isRunning(String id) {
        return worker(id).process.isAlive();
    }

    /** Kills a worker (SIGKILL) and waits until it is gone. */
    void kill(String id) {
        Worker worker = worker(id);
        killed.add(id);
        ProcessSignals.kill(worker.process.pid());
        waitFor(worker.process, Duration.ofSeconds(30));
    }

    /**
     * Lets every worker run (some may be paused) and waits until each exited, after the test asked them to stop.
     * @return the workers that failed or did not stop, other than those killed, with their output
     */
    List<String> awaitExit(Duration patience) {
        workers.forEach(worker -> ProcessSignals.resume(worker.process.pid()));
        List<String> failures = new ArrayList<>();
        for (Worker worker : workers) {
            if (killed.contains(worker.id)) {
                continue;
            }
            if (!waitFor(worker.process, patience)) {
                failures.add(worker.id + " did not stop within " + patience);
            }
            else if (worker.process.exitValue() != 0) {
                failures.add(worker.id + " exited with " + worker.process.exitValue() + ":\n"
                        + tail(directory.resolve(worker.id + ".out")));
            }
        }
        return failures;
    }

    @Override
    public void close() {
        for (Worker worker : workers) {
            if (worker.process.isAlive()) {
                ProcessSignals.resume(worker.process.pid());
                worker.process.destroyForcibly();
            }
        }
    }

    private Worker worker(String id) {
        return workers.stream().filter(w -> w.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No worker " + id));
    }

    private static boolean waitFor(Process process, Duration patience) {
        try {
            if (process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            process.destroyForcibly();
            return false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a worker", ex);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
        catch (IOException ex) {
            return "(no output: " + ex.getMessage() + ")";
        }
    }
}
