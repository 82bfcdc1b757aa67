package dev.sherlock;

import dev.sherlock.spi.LockBackend;

/** The contract suite against the in-memory reference backend, which checks the suite as much as the backend. */
class InMemoryBackendContractTests extends LockBackendContractTests {

    @Override
    protected LockBackend createBackend() {
        return new InMemoryBackend();
    }
}
