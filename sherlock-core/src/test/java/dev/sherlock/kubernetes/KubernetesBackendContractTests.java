package dev.sherlock.kubernetes;

import java.time.Duration;
import java.util.EnumSet;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import org.jspecify.annotations.Nullable;

/**
 * The contract suite against the test Lease API server, through client-java. The server grants only the verbs
 * docs/kubernetes.md lists for the Role (get, create, update, watch), so the suite also proves they suffice.
 */
class KubernetesBackendContractTests extends LockBackendContractTests {

    private @Nullable LeaseApiServer server;

    private synchronized LeaseApiServer server() {
        if (server == null) {
            server = LeaseApiServer.start(EnumSet.of(Verb.GET, Verb.CREATE, Verb.UPDATE, Verb.WATCH), 100_000);
            closeAfterAll(server);
        }
        return server;
    }

    @Override
    protected LockBackend createBackend() {
        return KubernetesBackend.of(server().client());
    }

    /** Another process: its own client, and its own observations of the Leases. */
    @Override
    protected LockBackend createOtherBackend() {
        return KubernetesBackend.of(server().client());
    }

    /** leaseDurationSeconds is whole seconds. */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(1);
    }
}
