package dev.sherlock.file;

import java.nio.file.Path;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import org.junit.jupiter.api.io.TempDir;

class FileBackendContractTests extends LockBackendContractTests {

    @TempDir
    static Path directory;

    @Override
    protected LockBackend createBackend() {
        return FileBackend.of(directory);
    }

    /** Another process would open the same directory with its own backend. */
    @Override
    protected LockBackend createOtherBackend() {
        return FileBackend.of(directory);
    }
}
