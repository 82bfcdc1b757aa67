package dev.sherlock.etcd;

import java.time.Duration;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.TestServers;

class EtcdBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return EtcdBackend.builder().endpoints(endpoint()).build();
    }

    /** Another process would have its own client. */
    @Override
    protected LockBackend createOtherBackend() {
        return EtcdBackend.builder().endpoints(endpoint()).build();
    }

    /** etcd raises shorter lease TTLs to 2 s (1.5 election timeouts, rounded up). */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(2);
    }

    private static String endpoint() {
        return "http://" + TestServers.etcd().host() + ":" + TestServers.etcd().port();
    }
}
