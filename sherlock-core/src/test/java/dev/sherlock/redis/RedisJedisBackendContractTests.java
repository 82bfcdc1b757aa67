package dev.sherlock.redis;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/**
 * The contract suite through Jedis connection factories: the backend's path for clients other than Lettuce, on
 * Spring Data Redis's connection API and a blocking subscription.
 */
class RedisJedisBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.JEDIS, this::closeAfterAll);
    }

    @Override
    protected LockBackend createOtherBackend() {
        return RedisTestSupport.fresh(RedisTestSupport.Kind.JEDIS, this::closeAfterAll);
    }
}
