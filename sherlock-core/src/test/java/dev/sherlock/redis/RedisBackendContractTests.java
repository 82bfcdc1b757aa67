package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite on a standalone redis-server, with release notifications. */
class RedisBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend backend() {
        return RedisTestSupport.standalone();
    }

    @Override
    protected LockBackend otherBackend() {
        return RedisTestSupport.otherStandalone();
    }
}
