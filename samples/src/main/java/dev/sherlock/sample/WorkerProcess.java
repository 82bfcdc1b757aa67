package dev.sherlock.sample;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.jspecify.annotations.Nullable;

/**
 * One worker JVM started by the demo: this same application with {@code --sample.role=worker}, whose
 * {@code @sample} report lines are read as they come.
 */
final class WorkerProcess {

    private final int number;

    private final Process process;

    private final AtomicInteger progress = new AtomicInteger();

    private final Deque<String> log = new ArrayDeque<>();

    private volatile boolean ready;

    private volatile @Nullable Result result;

    private WorkerProcess(int number, Process process) {
        this.number = number;
        this.process = process;
        Thread reader = new Thread(this::read, "sample-worker-" + number);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts worker {@code number}.
     * @param number the worker's number
     * @param properties {@code name=value} properties for the worker, without the leading {@code --}
     * @return the started worker
     * @throws IOException if the JVM cannot be started
     */
    static WorkerProcess start(int number, List<String> properties) throws IOException {
        List<String> command = new ArrayList<>(javaCommand());
        command.add("--sample.role=worker");
        command.add("--sample.worker=" + number);
        properties.forEach(property -> command.add("--" + property));
        return new WorkerProcess(number, new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Starts the same code as this JVM: the executable jar if that is what runs, else the class path. */
    private static List<String> javaCommand() throws IOException {
        String javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Small, quickly started JVMs: the demo runs several of them on one machine.
        List<String> options = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m");
        String classPath = System.getProperty("java.class.path");
        List<String> command = new ArrayList<>();
        command.add(javaExecutable);
        command.addAll(options);
        if (classPath.endsWith(".jar") && !classPath.contains(File.pathSeparator)) {
            try (JarFile jar = new JarFile(classPath)) {
                Manifest manifest = jar.getManifest();
                if (manifest != null && manifest.getMainAttributes().getValue("Start-Class") != null) {
                    command.addAll(Arrays.asList("-jar", classPath));
                    return command;
                }
            }
        }
        command.addAll(Arrays.asList("-cp", classPath, SampleApplication.class.getName()));
        return command;
    }

    /** Tells the worker to begin its deposits. */
    void go() throws IOException {
        OutputStream in = process.getOutputStream();
        in.write("go\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    boolean ready() {
        return ready;
    }

    int progress() {
        return progress.get();
    }

    @Nullable Result result() {
        return result;
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * Waits for the worker to exit.
     * @return its exit code
     */
    int waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        if (!process.waitFor(timeout, unit)) {
            process.destroyForcibly();
            throw new IllegalStateException("Worker " + number + " did not exit in time" + lastLines());
        }
        return process.exitValue();
    }

    void destroy() {
        process.destroyForcibly();
    }

    /** The worker's last output lines, to explain a failure. */
    synchronized String lastLines() {
        return log.isEmpty() ? "" : ". Its last output:\n    " + String.join("\n    ", log);
    }

    private void read() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.equals("@sample ready")) {
                    ready = true;
                }
                else if (line.startsWith("@sample progress ")) {
                    progress.set(Integer.parseInt(line.substring("@sample progress ".length())));
                }
                else if (line.startsWith("@sample done ")) {
                    result = Result.parse(line.substring("@sample done ".length()));
                    progress.set(result.deposits());
                }
                else {
                    remember(line);
                }
            }
        }
        catch (IOException ex) {
            remember("(output unreadable: " + ex.getMessage() + ")");
        }
    }

    private synchronized void remember(String line) {
        log.addLast(line);
        if (log.size() > 40) {
            log.removeFirst();
        }
    }

    /**
     * A worker's report.
     * @param deposits deposits made
     * @param outOfOrder deposits whose fencing token was not greater than the account's last one
     * @param latenciesMicros how long each deposit took to acquire its lock
     */
    record Result(int deposits, int outOfOrder, long[] latenciesMicros) {

        static Result parse(String report) {
            String[] fields = report.trim().split(" ");
            long[] latencies = fields.length < 3 ? new long[0]
                    : Arrays.stream(fields[2].split(",")).mapToLong(Long::parseLong).toArray();
            return new Result(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), latencies);
        }
    }
}
