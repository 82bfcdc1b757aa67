package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite on a standalone redis-server, with release notifications. */
class RedisBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.STANDALONE, this::closeAfterAll);
    }

    @Override
    protected LockBackend createOtherBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.STANDALONE, this::closeAfterAll);
    }
}
