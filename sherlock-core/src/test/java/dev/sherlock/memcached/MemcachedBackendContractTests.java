package dev.sherlock.memcached;

import java.time.Duration;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;

class MemcachedBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return MemcachedBackend.builder().servers(servers()).build();
    }

    /** Another process would have its own client and connection. */
    @Override
    protected LockBackend createOtherBackend() {
        return MemcachedBackend.builder().servers(servers()).build();
    }

    /** memcached counts whole seconds. */
    @Override
    protected Duration shortExpire() {
        return Duration.ofSeconds(1);
    }

    private static String servers() {
        LocalServer server = TestServers.memcached();
        return server.host() + ":" + server.port();
    }
}
