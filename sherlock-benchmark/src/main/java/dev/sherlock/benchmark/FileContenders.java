package dev.sherlock.benchmark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;
import dev.sherlock.benchmark.Contender.Kind;
import dev.sherlock.benchmark.Contender.Scenario;
import dev.sherlock.file.FileBackend;

/**
 * The file backend (P5): the raw floor is {@code FileChannel.lock()} + writing the owner + {@code unlock()} on an
 * open file, uncontended only (a JVM may hold one lock of a file, so its clients cannot contend in one process), and
 * Sherlock in a private directory.
 */
final class FileContenders {

    private FileContenders() {
    }

    static List<Contender> all(Path directory) throws IOException {
        Path floor = Files.createDirectories(directory.resolve("floor"));
        Path sherlock = Files.createDirectories(directory.resolve("sherlock"));
        return List.of(
                new Contender("file", "raw floor", Kind.FLOOR, EnumSet.of(Scenario.UNCONTENDED), () -> raw(floor)),
                new Contender("file", "Sherlock", Kind.SHERLOCK, EnumSet.allOf(Scenario.class),
                        () -> sherlock(sherlock, Benchmarks.SHERLOCK_SETTINGS)));
    }

    static Client sherlock(Path directory, LockSettings settings) {
        FileBackend backend = FileBackend.builder().directory(directory).build();
        LockRegistry registry = LockRegistry.of(backend, "benchmark", settings);
        return Clients.of(name -> Clients.sherlock(registry.getLock(name)), backend::close);
    }

    private static Client raw(Path directory) {
        return Clients.of(name -> {
            FileChannel channel = FileChannel.open(directory.resolve(name), StandardOpenOption.CREATE,
                    StandardOpenOption.READ, StandardOpenOption.WRITE);
            byte[] owner = "owner-1".getBytes(StandardCharsets.UTF_8);
            return new Handle() {
                private FileLock held;

                @Override
                public void lock() throws IOException {
                    held = channel.lock();
                    channel.write(ByteBuffer.wrap(owner), 0);
                }

                @Override
                public void unlock() throws IOException {
                    held.release();
                }
            };
        });
    }
}
