package dev.sherlock.memcached;

import java.time.Duration;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;

class MemcachedBackendContractTests extends LockBackendContractTests {

    private static MemcachedBackend backend;

    private static MemcachedBackend other;

    @Override
    protected LockBackend backend() {
        if (backend == null) {
            backend = MemcachedBackend.builder().servers(servers()).build();
        }
        return backend;
    }

    /** Another process would have its own client and connection. */
    @Override
    protected LockBackend otherBackend() {
        if (other == null) {
            other = MemcachedBackend.builder().servers(servers()).build();
        }
        return other;
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
