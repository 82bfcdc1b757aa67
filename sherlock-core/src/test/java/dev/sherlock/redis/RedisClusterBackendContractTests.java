package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite on a real three-master Redis Cluster started by the tests. */
class RedisClusterBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend backend() {
        return RedisTestSupport.cluster();
    }

    @Override
    protected LockBackend otherBackend() {
        return RedisTestSupport.otherCluster();
    }
}
