package dev.sherlock.testserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster of three masters (no replicas), each a {@code redis-server --cluster-enabled yes} on free
 * loopback ports (client port and cluster bus port), joined with {@code redis-cli --cluster create}. Needs the
 * {@code redis-server} and {@code redis-cli} binaries (Debian: redis-server, redis-tools); there is no Docker
 * fallback, since cluster nodes must announce addresses their clients can reach.
 */
public final class RedisCluster implements AutoCloseable {

    /** One cluster node; ports: client, cluster bus. */
    public static final LocalServer.Spec NODE = new LocalServer.Spec("redis-cluster-node", "redis-server",
            "redis-server", 2, (binary, ports, dir) -> List.of(binary, "--port", Integer.toString(ports[0]),
                    "--cluster-port", Integer.toString(ports[1]), "--cluster-enabled", "yes",
                    "--cluster-config-file", dir.resolve("nodes.conf").toString(), "--cluster-node-timeout", "5000",
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--protected-mode", "no"));

    private static final int MASTERS = 3;

    private static RedisCluster shared;

    private final List<LocalServer> nodes;

    private RedisCluster(List<LocalServer> nodes) {
        this.nodes = nodes;
    }

    /** The cluster shared by the tests of one JVM, started on first use and stopped when the JVM exits. */
    public static synchronized RedisCluster shared() {
        if (shared == null || !shared.isAlive()) {
            shared = start();
        }
        return shared;
    }

    /** Starts three masters, creates the cluster over all 16384 slots and waits until every node reports it ok. */
    public static RedisCluster start() {
        String cli = LocalServer.requireBinary("redis-cli", "redis-tools", "a Redis Cluster");
        LocalServer.requireBinary("redis-server", "redis-server", "a Redis Cluster");
        List<LocalServer> nodes = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(nodes);
        try {
            for (int i = 0; i < MASTERS; i++) {
                nodes.add(LocalServer.start(NODE));
            }
            List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
            create.addAll(cluster.addresses());
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(create);
            cluster.awaitState(Duration.ofSeconds(30), cli);
            return cluster;
        }
        catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    /** The nodes' addresses, {@code host:port}, as a cluster client's seed list. */
    public List<String> addresses() {
        return nodes.stream().map(node -> node.host() + ":" + node.port()).toList();
    }

    /** The nodes, e.g. to read keys on the node that owns them. */
    public List<LocalServer> nodes() {
        return List.copyOf(nodes);
    }

    private boolean isAlive() {
        return nodes.stream().allMatch(LocalServer::isAlive);
    }

    private void awaitState(Duration timeout, String cli) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            boolean ok = true;
            for (LocalServer node : nodes) {
                last = run(List.of(cli, "-h", node.host(), "-p", Integer.toString(node.port()), "cluster", "info"));
                ok &= last.contains("cluster_state:ok");
            }
            if (ok) {
                return;
            }
            try {
                Thread.sleep(100);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the Redis Cluster", ex);
            }
        }
        throw new IllegalStateException("Redis Cluster " + addresses() + " did not reach cluster_state:ok within "
                + timeout + "; last CLUSTER INFO:\n" + last);
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " failed:\n" + new String(output, StandardCharsets.UTF_8));
            }
            return new String(output, StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot run " + command, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + command, ex);
        }
    }

    @Override
    public void close() {
        nodes.forEach(LocalServer::close);
    }
}
