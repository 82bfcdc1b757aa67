package dev.sherlock.benchmark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.sherlock.file.FileBackend;

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
        for (String line : new LockBenchmark("file (notified)", () -> FileBackend.of(directory)).run(each)) {
            System.out.println(line);
        }
        for (String line : new LockBenchmark("file (polling 100 ms)", () -> new PollingBackend(FileBackend.of(directory)))
                .run(each)) {
            System.out.println(line);
        }
    }
}
