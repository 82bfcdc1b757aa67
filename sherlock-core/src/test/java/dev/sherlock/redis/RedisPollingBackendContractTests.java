package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite on a standalone redis-server, one client with release notifications switched off. */
class RedisPollingBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend backend() {
        return RedisTestSupport.polling();
    }

    @Override
    protected LockBackend otherBackend() {
        return RedisTestSupport.otherStandalone();
    }
}
