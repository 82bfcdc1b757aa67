package dev.sherlock.benchmark;

import java.time.Duration;

import dev.sherlock.kubernetes.KubernetesBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;

/**
 * Kubernetes backend against the test Lease API server (loopback HTTP, client-java): watch hand-off against the
 * same backend made to poll at the default 100 ms retry interval, in one run, with the requests each costs. Each
 * client has its own ApiClient, as separate pods would. Run with:
 * <pre>
 * ./scripts/benchmark.sh dev.sherlock.benchmark.KubernetesBenchmark [seconds per measurement]
 * </pre>
 */
public final class KubernetesBenchmark {

    private KubernetesBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Duration each = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
        System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("java.version"));
        try (LeaseApiServer server = LeaseApiServer.start()) {
            // The client, the server and the JIT warm up first; the numbers of this round are not reported.
            new LockBenchmark("warm-up", () -> KubernetesBackend.of(server.client()))
                .run(Duration.ofSeconds(2));
            run(server, "kubernetes (watch)", () -> KubernetesBackend.of(server.client()), each);
            run(server, "kubernetes (polling 100 ms)",
                    () -> new PollingBackend(KubernetesBackend.of(server.client())), each);
        }
        System.exit(0);
    }

    private static void run(LeaseApiServer server, String label, java.util.function.Supplier<LockBackend> clients,
            Duration each) throws Exception {
        long before = requests(server);
        for (String line : new LockBenchmark(label, clients).run(each)) {
            System.out.println(line);
        }
        System.out.printf("%-28s requests answered by the server: %,d%n", label, requests(server) - before);
    }

    private static long requests(LeaseApiServer server) {
        long total = 0;
        for (Verb verb : Verb.values()) {
            total += server.requests(verb);
        }
        return total;
    }
}
