package dev.sherlock.testserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Redis Sentinel setup: one master without persistence and one {@code redis-server --sentinel} watching it
 * (quorum 1), each on free loopback ports. Needs the {@code redis-server} binary; there is no Docker fallback, since
 * the sentinel hands out the master's address to its clients.
 */
public final class RedisSentinel implements AutoCloseable {

    /** The name under which the sentinel knows the master. */
    public static final String MASTER_NAME = "sherlock-master";

    private final LocalServer master;

    private final LocalServer sentinel;

    private RedisSentinel(LocalServer master, LocalServer sentinel) {
        this.master = master;
        this.sentinel = sentinel;
    }

    /** Starts the master, then the sentinel configured to monitor it. */
    public static RedisSentinel start() {
        LocalServer.requireBinary("redis-server", "redis-server", "Redis Sentinel");
        LocalServer master = LocalServer.startOnPorts(TestServers.REDIS, LocalServer.freePorts(1));
        try {
            LocalServer sentinel = LocalServer.start(new LocalServer.Spec("redis-sentinel", "redis-server",
                    "redis-server", 1, (binary, ports, dir) -> List.of(binary,
                            writeConfig(dir, ports[0], master.port()).toString(), "--sentinel")));
            return new RedisSentinel(master, sentinel);
        }
        catch (RuntimeException ex) {
            master.close();
            throw ex;
        }
    }

    private static Path writeConfig(Path directory, int port, int masterPort) {
        Path config = directory.resolve("sentinel.conf");
        try {
            Files.writeString(config, "port " + port + "\nbind 127.0.0.1\nprotected-mode no\ndir " + directory
                    + "\nsentinel monitor " + MASTER_NAME + " 127.0.0.1 " + masterPort + " 1\n");
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot write " + config, ex);
        }
        return config;
    }

    /** The sentinel's address, {@code host:port}. */
    public String sentinelAddress() {
        return sentinel.host() + ":" + sentinel.port();
    }

    /** The master, e.g. to read keys directly. */
    public LocalServer master() {
        return master;
    }

    @Override
    public void close() {
        sentinel.close();
        master.close();
    }
}
