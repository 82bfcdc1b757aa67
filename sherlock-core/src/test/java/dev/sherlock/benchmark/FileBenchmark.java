package dev.sherlock.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.sherlock.file.FileBackend;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * File backend: notified hand-off (inotify) against the same backend made to poll at the default 100 ms retry
 * interval, in one run. Run with:
 * <pre>
 * ./scripts/benchmark.sh dev.sherlock.benchmark.FileBenchmark [seconds per measurement]
 * </pre>
 */
public final class FileBenchmark {

    private FileBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Files.createTempDirectory("sherlock-benchmark-");
        Duration each = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
        System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("java.version"));
        for (String line : new LockBenchmark("file (notified)", () -> new FileBackend(directory)).run(each)) {
            System.out.println(line);
        }
        for (String line : new LockBenchmark("file (polling 100 ms)", () -> new Polling(new FileBackend(directory)))
                .run(each)) {
            System.out.println(line);
        }
    }

    /** The same backend without notifications: waiters sleep until their next attempt. */
    private record Polling(LockBackend delegate) implements LockBackend {

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public String key(@Nullable String namespace, String name) {
            return delegate.key(namespace, name);
        }

        @Override
        public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
            return delegate.tryAcquire(key, owner, expire);
        }

        @Override
        public boolean release(String key, String owner) {
            return delegate.release(key, owner);
        }

        @Override
        public boolean renew(String key, String owner, @Nullable Duration expire) {
            return delegate.renew(key, owner, expire);
        }

        @Override
        public boolean isLocked(String key) {
            return delegate.isLocked(key);
        }
    }
}
