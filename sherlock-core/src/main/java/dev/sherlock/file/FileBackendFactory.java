package dev.sherlock.file;

import java.nio.file.Path;

import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * The file backend for a {@link Path} handed to {@code Sherlock.configure(client)}, and {@code Sherlock}'s default
 * backend: the per-user directory {@link FileBackend#defaultDirectory()}.
 *
 * @since 0.1.0
 */
public final class FileBackendFactory implements BackendFactory {

    @Override
    public @Nullable LockBackend forClient(Object client) {
        return client instanceof Path directory ? FileBackend.of(directory) : null;
    }

    @Override
    public String accepts() {
        return "a java.nio.file.Path (file backend)";
    }

    @Override
    public LockBackend defaultBackend() {
        return FileBackend.of(FileBackend.defaultDirectory());
    }
}
