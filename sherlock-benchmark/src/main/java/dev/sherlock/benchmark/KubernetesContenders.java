package dev.sherlock.benchmark;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Kind;
import dev.sherlock.benchmark.Contender.Scenario;
import dev.sherlock.kubernetes.KubernetesBackend;
import dev.sherlock.testserver.LeaseApiServer;

/**
 * Kubernetes, against the tests' in-process Lease API server (this machine has no Kubernetes API server): Sherlock
 * only, so its figures show the backend's request pattern and hand-off by watch, not what a real API server costs.
 */
final class KubernetesContenders {

    private KubernetesContenders() {
    }

    static List<Contender> all(LeaseApiServer server) {
        return List.of(new Contender("kubernetes", "Sherlock", Kind.SHERLOCK, EnumSet.allOf(Scenario.class),
                () -> sherlock(server, Benchmarks.SHERLOCK_SETTINGS)));
    }

    static Client sherlock(LeaseApiServer server, LockSettings settings) {
        KubernetesBackend backend = KubernetesBackend.of(server.client());
        LockRegistry registry = LockRegistry.of(backend, "benchmark", settings);
        return Clients.of(name -> Clients.sherlock(registry.getLock(name)), backend::close);
    }

    /** The test server's request count; its CPU is this JVM's. */
    static Server server(LeaseApiServer leases) {
        return new Server() {
            @Override
            public String describe() {
                return "in-process test Lease API server";
            }

            @Override
            public long cpuNanos() {
                return -1;
            }

            @Override
            public long requests() {
                return Arrays.stream(LeaseApiServer.Verb.values()).mapToLong(leases::requests).sum();
            }

            @Override
            public void close() {
                leases.close();
            }
        };
    }
}
