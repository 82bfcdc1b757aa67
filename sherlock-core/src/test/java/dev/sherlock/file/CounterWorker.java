package dev.sherlock.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.sherlock.LockSettings;

/**
 * A separate JVM process for {@link FileLockProcessesTests}: increments a counter kept in a plain file, under a
 * {@link FileLock}, and appends each fencing token it used to a shared log. Without the lock, increments would be
 * lost; with it, the count is exact and the logged tokens strictly increase.
 *
 * <p>Arguments: lock directory, counter file, number of increments.
 */
public final class CounterWorker {

    private CounterWorker() {
    }

    public static void main(String[] args) throws IOException {
        Path directory = Path.of(args[0]);
        Path counter = Path.of(args[1]);
        int increments = Integer.parseInt(args[2]);
        LockSettings settings = LockSettings.defaults().withTimeout(Duration.ofMinutes(2))
                .withRetryInterval(Duration.ofMillis(5));
        FileLock lock = new FileLock("shared-counter", directory, "processes", settings);
        Path tokens = counter.resolveSibling("tokens.log");
        for (int i = 0; i < increments; i++) {
            lock.acquire();
            try {
                int value = Files.exists(counter) ? Integer.parseInt(Files.readString(counter).trim()) : 0;
                Files.writeString(counter, Integer.toString(value + 1));
                Files.writeString(tokens, lock.fencingToken() + "\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
            finally {
                lock.release();
            }
        }
    }
}
