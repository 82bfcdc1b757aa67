package dev.sherlock.testserver;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local etcd cluster for failover tests: {@code size} members on free loopback ports, each with its own temporary
 * data directory, started by the tests and stopped by them. Members can be killed (SIGKILL) to simulate a crash.
 *
 * <p>Leadership is read from each member's status through etcd's JSON gateway, so this fixture needs no client
 * library.
 */
public final class EtcdCluster implements AutoCloseable {

    private static final Pattern LEADER = Pattern.compile("\"leader\":\"(\\d+)\"");

    private static final Pattern MEMBER = Pattern.compile("\"member_id\":\"(\\d+)\"");

    private final List<LocalServer> members;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private EtcdCluster(List<LocalServer> members) {
        this.members = members;
    }

    /**
     * Starts the members and waits until they have elected a leader.
     * @param size number of members, e.g. 3
     * @return the running cluster
     */
    public static EtcdCluster start(int size) {
        int[] ports = LocalServer.freePorts(2 * size);
        String token = "sherlock-" + UUID.randomUUID();
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < size; i++) {
            initial.append(i == 0 ? "" : ",").append(memberName(i)).append("=http://127.0.0.1:")
                    .append(ports[2 * i + 1]);
        }
        List<LocalServer> members = new ArrayList<>();
        EtcdCluster cluster = new EtcdCluster(members);
        try {
            for (int i = 0; i < size; i++) {
                members.add(LocalServer.start(memberSpec(i, initial.toString(), token),
                        new int[] { ports[2 * i], ports[2 * i + 1] }));
            }
            cluster.awaitLeader(Duration.ofSeconds(60));
            return cluster;
        }
        catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    private static String memberName(int index) {
        return "member-" + index;
    }

    private static LocalServer.Spec memberSpec(int index, String initialCluster, String token) {
        return new LocalServer.Spec("etcd-" + memberName(index), "etcd", "etcd-server", 2,
                (binary, ports, dir) -> List.of(binary, "--name", memberName(index), "--data-dir",
                        dir.resolve("data").toString(), "--listen-client-urls", "http://127.0.0.1:" + ports[0],
                        "--advertise-client-urls", "http://127.0.0.1:" + ports[0], "--listen-peer-urls",
                        "http://127.0.0.1:" + ports[1], "--initial-advertise-peer-urls",
                        "http://127.0.0.1:" + ports[1], "--initial-cluster", initialCluster,
                        "--initial-cluster-token", token, "--initial-cluster-state", "new"));
    }

    /** The client URLs of all members, dead or alive. */
    public List<String> endpoints() {
        return members.stream().map(member -> "http://127.0.0.1:" + member.port()).toList();
    }

    /** Number of members, dead or alive. */
    public int size() {
        return members.size();
    }

    /** Whether the member still runs. */
    public boolean isAlive(int member) {
        return members.get(member).isAlive();
    }

    /** Kills the member at once (SIGKILL), as a crash would. */
    public void kill(int member) {
        members.get(member).kill();
    }

    /**
     * The index of the member that a live member reports as leader, if that leader is itself alive; -1 while there
     * is none (an election is under way).
     */
    public int leader() {
        List<String> ids = new ArrayList<>();
        String leaderId = null;
        for (int i = 0; i < members.size(); i++) {
            String status = members.get(i).isAlive() ? status(i) : null;
            ids.add(status == null ? null : find(MEMBER, status));
            String reported = status == null ? null : find(LEADER, status);
            if (reported != null && !reported.equals("0")) {
                leaderId = reported;
            }
        }
        // Member ids are unsigned 64-bit numbers: compare them as text.
        return leaderId == null ? -1 : ids.indexOf(leaderId);
    }

    /** Waits until the live members have a live leader, and returns its index. */
    public int awaitLeader(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            int leader = leader();
            if (leader >= 0) {
                return leader;
            }
            try {
                Thread.sleep(100);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for an etcd leader", ex);
            }
        }
        StringBuilder logs = new StringBuilder();
        for (LocalServer member : members) {
            logs.append("\n--- ").append(member.directory()).append('\n').append(member.logTail());
        }
        throw new IllegalStateException("The etcd cluster elected no leader within " + timeout + logs);
    }

    private String status(int member) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoints().get(member) + "/v3/maintenance/status"))
                .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        }
        catch (IOException ex) {
            return null;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String find(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : null;
    }

    @Override
    public void close() {
        members.forEach(LocalServer::close);
    }
}
