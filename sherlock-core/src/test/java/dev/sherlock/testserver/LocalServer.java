package dev.sherlock.testserver;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real server process (redis-server, memcached, etcd, ...) started by the tests on free loopback ports with its
 * own temporary directory, and stopped by them. Only processes started here are ever stopped.
 *
 * <p>Where the binary is missing, {@link #start} fails with a message saying what to install; it never skips.
 */
public final class LocalServer implements AutoCloseable {

    private final String name;

    /** Replaced by {@link #restart()}; null for a container. */
    private volatile Process process;

    /** How to start the process again, or null for a container. */
    private final List<String> command;

    /** Added to the process's environment at every start. */
    private final Map<String, String> environment;

    private final Path directory;

    private final int[] ports;

    private final String host;

    private final AutoCloseable container;

    private LocalServer(String name, Process process, List<String> command, Map<String, String> environment,
            Path directory, int[] ports) {
        this.name = name;
        this.process = process;
        this.command = command;
        this.environment = environment;
        this.directory = directory;
        this.ports = ports;
        this.host = "127.0.0.1";
        this.container = null;
    }

    private LocalServer(String name, DockerServer container, Path directory) {
        this.name = name;
        this.process = null;
        this.command = null;
        this.environment = Map.of();
        this.directory = directory;
        this.ports = container.ports();
        this.host = container.host();
        this.container = container;
    }

    /**
     * Describes how to start one kind of server.
     * @param name shown in messages, e.g. "redis"
     * @param binary the executable, looked up on the PATH and in /usr/sbin, /usr/bin, /usr/local/bin
     * @param debianPackage the package that provides it
     * @param portCount how many free ports the command needs
     * @param command builds the command line from the binary's path, the free ports and the temporary directory
     * @param image the Docker image to run with Testcontainers when the binary is missing, or null
     * @param containerPorts the ports the image listens on, in the order of {@link #ports()}
     * @param containerCommand the container's command, or an empty list for the image's default
     * @param environment prepares the temporary directory before the process starts and gives the variables to add to
     *     its environment; not used for a container
     */
    public record Spec(String name, String binary, String debianPackage, int portCount, Command command,
            String image, List<Integer> containerPorts, List<String> containerCommand, Environment environment) {

        /** A spec whose process inherits the test JVM's environment. */
        public Spec(String name, String binary, String debianPackage, int portCount, Command command,
                String image, List<Integer> containerPorts, List<String> containerCommand) {
            this(name, binary, debianPackage, portCount, command, image, containerPorts, containerCommand,
                    directory -> Map.of());
        }

        /** A spec without a Docker fallback. */
        public Spec(String name, String binary, String debianPackage, int portCount, Command command) {
            this(name, binary, debianPackage, portCount, command, null, List.of(), List.of());
        }

        /** A spec without a Docker fallback whose process needs files in its directory or environment variables. */
        public Spec(String name, String binary, String debianPackage, int portCount, Command command,
                Environment environment) {
            this(name, binary, debianPackage, portCount, command, null, List.of(), List.of(), environment);
        }
    }

    /** Builds a command line. */
    @FunctionalInterface
    public interface Command {
        List<String> build(String binary, int[] ports, Path directory);
    }

    /**
     * Writes what the server reads from its temporary directory (configuration, password files) and returns the
     * variables to add to its environment, e.g. one pointing at those files. Runs once, before the first start.
     */
    @FunctionalInterface
    public interface Environment {
        Map<String, String> prepare(Path directory);
    }

    /**
     * Starts the server and waits until its first port accepts connections.
     * @param spec what to start
     * @return the running server
     */
    public static LocalServer start(Spec spec) {
        return start(spec, freePorts(spec.portCount()));
    }

    /**
     * Starts the server on ports chosen by the caller, e.g. a cluster member whose peers must know its ports
     * beforehand, and waits until the first port accepts connections.
     * @param spec what to start
     * @param ports free ports, at least {@code spec.portCount()}
     * @return the running server
     */
    public static LocalServer start(Spec spec, int[] ports) {
        String binary = find(spec.binary());
        if (binary == null && spec.image() != null && DockerServer.available()) {
            return new LocalServer(spec.name(), DockerServer.start(spec.image(), spec.containerPorts(),
                    spec.containerCommand()), temporaryDirectory(spec));
        }
        if (binary == null) {
            throw new IllegalStateException("Cannot start " + spec.name() + " for the tests: '" + spec.binary()
                    + "' is not installed and " + (spec.image() == null ? "this server has no Docker fallback"
                    : "no Docker engine is available") + ". Install the Debian package '"
                    + spec.debianPackage() + "' (apt-get install " + spec.debianPackage()
                    + "), or run ./scripts/test.sh, which installs it");
        }
        return startProcess(spec, binary, ports);
    }

    /**
     * Starts the installed binary on the given ports, e.g. to restart a server where its clients expect it; there is
     * no Docker fallback.
     * @param spec what to start
     * @param ports the ports to hand to the command
     * @return the running server
     */
    public static LocalServer startOnPorts(Spec spec, int[] ports) {
        return startProcess(spec, requireBinary(spec.binary(), spec.debianPackage(), spec.name()), ports.clone());
    }

    /**
     * The path of an installed binary, failing with what to install when it is missing.
     * @param binary the executable's name
     * @param debianPackage the package that provides it
     * @param purpose what it is needed for, shown in the message
     * @return the path
     */
    public static String requireBinary(String binary, String debianPackage, String purpose) {
        String path = find(binary);
        if (path == null) {
            throw new IllegalStateException("Cannot start " + purpose + " for the tests: '" + binary
                    + "' is not installed (Docker cannot stand in here). Install the Debian package '"
                    + debianPackage + "' (apt-get install " + debianPackage + ")");
        }
        return path;
    }

    private static LocalServer startProcess(Spec spec, String binary, int[] ports) {
        Path directory = temporaryDirectory(spec);
        List<String> command = spec.command().build(binary, ports, directory);
        Map<String, String> environment = Map.copyOf(spec.environment().prepare(directory));
        Process process = launch(spec.name(), command, environment, directory);
        LocalServer server = new LocalServer(spec.name(), process, command, environment, directory, ports);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "stop-" + spec.name()));
        server.awaitPort(ports[0], Duration.ofSeconds(30), command);
        return server;
    }

    private static Process launch(String name, List<String> command, Map<String, String> environment,
            Path directory) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
            builder.environment().putAll(environment);
            return builder.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("server.log").toFile()))
                    .start();
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot start " + name + " with " + command, ex);
        }
    }

    /**
     * The server process's id, e.g. to pause it with {@code kill -STOP}.
     * @return the pid
     * @throws IllegalStateException for a Docker container
     */
    public long pid() {
        return requireProcess("have a pid").pid();
    }

    /**
     * Kills the process at once (SIGKILL) if it still runs, as a crash would, and starts the same command again on
     * the same ports and in the same directory, waiting until it accepts connections. A server that keeps its data
     * there (etcd) comes back with it; redis-server and memcached as started by {@link TestServers} come back empty.
     * @throws IllegalStateException for a Docker container, or if the server does not come back
     */
    public void restart() {
        requireProcess("be restarted");
        kill();
        process = launch(name, command, environment, directory);
        awaitPort(ports[0], Duration.ofSeconds(30), command);
    }

    private Process requireProcess(String action) {
        Process current = process;
        if (current == null) {
            throw new IllegalStateException(name + " runs in a Docker container and cannot " + action
                    + "; install the server binary");
        }
        return current;
    }

    private static Path temporaryDirectory(Spec spec) {
        try {
            return Files.createTempDirectory("sherlock-" + spec.name() + "-");
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot create a temporary directory for " + spec.name(), ex);
        }
    }

    /** The host to connect to: loopback, or the Docker host for a container. */
    public String host() {
        return host;
    }

    /** The first port. */
    public int port() {
        return ports[0];
    }

    /** All ports, in the order given to the command. */
    public int[] ports() {
        return ports.clone();
    }

    /** The server's temporary directory. */
    public Path directory() {
        return directory;
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        Process current = process;
        return current == null || current.isAlive();
    }

    /** Kills the process at once (SIGKILL), as a crash would, leaving its directory. */
    public void kill() {
        Process current = process;
        if (current == null) {
            close();
            return;
        }
        current.destroyForcibly();
        try {
            current.waitFor();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (container != null) {
            try {
                container.close();
            }
            catch (Exception ex) {
                // stopping a test container is best effort
            }
        }
        Process current = process;
        if (current != null && current.isAlive()) {
            try {
                // A paused server ignores SIGTERM until it runs again.
                ProcessSignals.resume(current.pid());
            }
            catch (RuntimeException ex) {
                // SIGKILL below stops it either way
            }
            current.destroy();
            try {
                if (!current.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(10),
                        java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    current.destroyForcibly().waitFor();
                }
            }
            catch (InterruptedException ex) {
                current.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        deleteQuietly(directory);
    }

    private void awaitPort(int port, Duration timeout, List<String> command) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process current = process;
        while (System.nanoTime() - deadline < 0) {
            if (!current.isAlive()) {
                throw new IllegalStateException(name + " exited with " + current.exitValue() + " right after "
                        + command + ":\n" + logTail());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            }
            catch (IOException ex) {
                sleep(50);
            }
        }
        close();
        throw new IllegalStateException(name + " did not accept connections on port " + port + " within " + timeout
                + " after " + command + ":\n" + logTail());
    }

    /** The last lines the server printed. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(directory.resolve("server.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        }
        catch (IOException ex) {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    private static String find(String binary) {
        List<Path> candidates = new ArrayList<>();
        for (String entry : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                candidates.add(Path.of(entry, binary));
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/bin", "/sbin", "/bin")) {
            candidates.add(Path.of(dir, binary));
        }
        return candidates.stream().filter(Files::isExecutable).map(Path::toString).findFirst().orElse(null);
    }

    /** Free loopback ports; they are held open together so one call never returns the same port twice. */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress("127.0.0.1", 0));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        }
        catch (IOException ex) {
            throw new IllegalStateException("No free loopback port", ex);
        }
        finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                }
                catch (IOException ignored) {
                    // the port is free again either way
                }
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for a test server", ex);
        }
    }

    private static void deleteQuietly(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException | RuntimeException ignored) {
            // temporary directory: the OS cleans it eventually
        }
    }
}
