package dev.sherlock.memory;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;

/** The contract suite against the memory backend, which checks the suite as much as the backend. */
class MemoryBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return new MemoryBackend();
    }
}
