package dev.sherlock.etcd;

import java.time.Duration;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.AfterAll;

class EtcdBackendContractTests extends LockBackendContractTests {

    private static EtcdBackend backend;

    private static EtcdBackend other;

    @Override
    protected LockBackend backend() {
        synchronized (EtcdBackendContractTests.class) {
            if (backend == null) {
                backend = EtcdBackend.builder().endpoints(endpoint()).build();
            }
            return backend;
        }
    }

    /** Another process would have its own client. */
    @Override
    protected LockBackend otherBackend() {
        synchronized (EtcdBackendContractTests.class) {
            if (other == null) {
                other = EtcdBackend.builder().endpoints(endpoint()).build();
            }
            return other;
        }
    }

    /** etcd raises shorter lease TTLs to 2 s (1.5 election timeouts, rounded up). */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(2);
    }

    @AfterAll
    static synchronized void closeBackends() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
        if (other != null) {
            other.close();
            other = null;
        }
    }

    private static String endpoint() {
        return "http://" + TestServers.etcd().host() + ":" + TestServers.etcd().port();
    }
}
