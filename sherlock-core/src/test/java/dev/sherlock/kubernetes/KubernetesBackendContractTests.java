package dev.sherlock.kubernetes;

import java.time.Duration;
import java.util.EnumSet;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import org.junit.jupiter.api.AfterAll;

/**
 * The contract suite against the test Lease API server, through client-java. The server grants only the verbs
 * docs/kubernetes.md lists for the Role (get, create, update, watch), so the suite also proves they suffice.
 */
class KubernetesBackendContractTests extends LockBackendContractTests {

    private static LeaseApiServer server;

    private static KubernetesBackend backend;

    private static KubernetesBackend other;

    private static synchronized LeaseApiServer server() {
        if (server == null) {
            server = LeaseApiServer.start(EnumSet.of(Verb.GET, Verb.CREATE, Verb.UPDATE, Verb.WATCH), 100_000);
        }
        return server;
    }

    @AfterAll
    static void stop() {
        if (backend != null) {
            backend.close();
            other.close();
            server.close();
        }
    }

    @Override
    protected LockBackend backend() {
        if (backend == null) {
            backend = KubernetesBackend.builder().client(server().client()).namespace("default").build();
        }
        return backend;
    }

    /** Another process: its own client, and its own observations of the Leases. */
    @Override
    protected LockBackend otherBackend() {
        if (other == null) {
            other = KubernetesBackend.builder().client(server().client()).namespace("default").build();
        }
        return other;
    }

    /** leaseDurationSeconds is whole seconds. */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(1);
    }
}
