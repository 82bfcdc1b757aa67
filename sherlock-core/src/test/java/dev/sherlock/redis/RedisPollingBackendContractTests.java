package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite on a standalone redis-server, one client with release notifications switched off. */
class RedisPollingBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.POLLING, this::closeAfterAll);
    }

    @Override
    protected LockBackend createOtherBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.STANDALONE, this::closeAfterAll);
    }
}
