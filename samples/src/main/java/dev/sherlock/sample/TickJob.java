package dev.sherlock.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

import dev.sherlock.spring.aop.CurrentLock;
import dev.sherlock.spring.scheduling.ScheduledJobLock;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A scheduled job that every worker schedules each second and that runs on one worker per tick: the worker that gets
 * the lock appends {@code <second> <worker> <fencing token>} to the shared {@code ticks} file, the others skip that
 * tick. The lock stays held half a second after a run, so a worker whose tick fires a little later skips it too.
 */
@Component
@ConditionalOnProperty(name = "sample.role", havingValue = "worker")
class TickJob {

    private final SampleProperties properties;

    TickJob(SampleProperties properties) {
        this.properties = properties;
    }

    @Scheduled(cron = "* * * * * *")
    @ScheduledJobLock(name = "tick", holdAtLeast = "500ms")
    public void tick() throws IOException {
        long second = System.currentTimeMillis() / 1000;
        String line = second + " " + properties.worker() + " " + CurrentLock.get().fencingToken() + "\n";
        Files.writeString(ticks(properties.dataDirectory()), line, StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The file of the runs, shared by the workers. */
    static Path ticks(Path dataDirectory) {
        return dataDirectory.resolve("ticks");
    }

    /** The runs so far, as {@code {second, worker, token}}. */
    static List<long[]> runs(Path dataDirectory) throws IOException {
        try {
            return Files.readAllLines(ticks(dataDirectory), StandardCharsets.US_ASCII).stream()
                    .filter(line -> !line.isBlank())
                    .map(line -> Arrays.stream(line.trim().split(" ")).mapToLong(Long::parseLong).toArray())
                    .toList();
        }
        catch (NoSuchFileException ex) {
            return List.of();
        }
    }
}
