package dev.sherlock.file;

import java.nio.file.Path;

import dev.sherlock.LockBackendContractTests;
import dev.sherlock.spi.LockBackend;
import org.junit.jupiter.api.io.TempDir;

class FileBackendContractTests extends LockBackendContractTests {

    @TempDir
    static Path directory;

    private static FileBackend backend;

    @Override
    protected synchronized LockBackend backend() {
        if (backend == null) {
            backend = FileBackend.of(directory);
        }
        return backend;
    }

    /** Another process would open the same directory with its own backend. */
    @Override
    protected LockBackend otherBackend() {
        return FileBackend.of(directory);
    }
}
