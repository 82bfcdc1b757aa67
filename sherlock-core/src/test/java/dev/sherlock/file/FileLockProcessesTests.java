package dev.sherlock.file;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class FileLockProcessesTests {

    private static final int PROCESSES = 3;

    private static final int INCREMENTS = 150;

    @TempDir
    Path directory;

    @Test
    void separateJvmsIncrementASharedCounterExactlyWithIncreasingTokens() throws Exception {
        Path locks = Files.createDirectories(directory.resolve("locks"));
        Path counter = directory.resolve("counter.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < PROCESSES; i++) {
            processes.add(new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    CounterWorker.class.getName(), locks.toString(), counter.toString(), Integer.toString(INCREMENTS))
                    .redirectErrorStream(true).redirectOutput(directory.resolve("worker-" + i + ".log").toFile())
                    .start());
        }
        for (int i = 0; i < PROCESSES; i++) {
            Process process = processes.get(i);
            boolean finished = process.waitFor(3, TimeUnit.MINUTES);
            if (!finished) {
                processes.forEach(Process::destroyForcibly);
            }
            assertThat(finished).as("worker %d finished", i).isTrue();
            assertThat(process.exitValue()).as("worker %d exit code; log:%n%s", i,
                    Files.readString(directory.resolve("worker-" + i + ".log"))).isZero();
        }
        assertThat(Integer.parseInt(Files.readString(counter).trim())).isEqualTo(PROCESSES * INCREMENTS);
        List<Long> tokens = Files.readAllLines(directory.resolve("tokens.log")).stream().map(Long::parseLong).toList();
        assertThat(tokens).hasSize(PROCESSES * INCREMENTS).isSorted().doesNotHaveDuplicates();
    }

}
