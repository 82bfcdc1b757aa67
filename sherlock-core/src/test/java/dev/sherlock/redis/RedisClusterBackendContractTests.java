package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite on a real three-master Redis Cluster started by the tests. */
class RedisClusterBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.CLUSTER, this::closeAfterAll);
    }

    @Override
    protected LockBackend createOtherBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.CLUSTER, this::closeAfterAll);
    }
}
