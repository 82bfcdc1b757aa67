package dev.sherlock.testserver;

import java.util.List;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/** The Testcontainers fallback of {@link LocalServer}, used only where the server binary is missing. */
final class DockerServer implements AutoCloseable {

    private final GenericContainer<?> container;

    private final List<Integer> containerPorts;

    private DockerServer(GenericContainer<?> container, List<Integer> containerPorts) {
        this.container = container;
        this.containerPorts = containerPorts;
    }

    static boolean available() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (RuntimeException | LinkageError ex) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    static DockerServer start(String image, List<Integer> ports, List<String> command) {
        GenericContainer<?> container = new GenericContainer<>(image).withExposedPorts(ports.toArray(Integer[]::new));
        if (!command.isEmpty()) {
            container.withCommand(command.toArray(String[]::new));
        }
        container.start();
        return new DockerServer(container, ports);
    }

    String host() {
        return container.getHost();
    }

    int[] ports() {
        return containerPorts.stream().mapToInt(container::getMappedPort).toArray();
    }

    @Override
    public void close() {
        container.stop();
    }
}
