package dev.sherlock.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak version of the fault suite: the scenarios of {@link FaultSuiteTests}, each backend in turn for a
 * configurable time, with faults of random kind, target and length, then a summary table on standard output (and in
 * {@code target/fault-runs/soak-summary.txt}). It fails if any run violates a guarantee.
 *
 * <p>Not part of the normal build (its name does not end in {@code Tests}); run it with
 * {@code ./scripts/soak.sh <minutes per backend> [backends] [seed]}, or
 * {@code ./mvnw -pl sherlock-core -Psoak test -Dsoak.minutes=10 -Dsoak.backends=redis,etcd -Dsoak.seed=42}.
 */
class FaultSoak {

    private static final Duration EXPIRE = FaultSuiteTests.EXPIRE;

    @Test
    void randomFaultsNeverBreakTheGuarantees() throws IOException {
        double minutes = Double.parseDouble(System.getProperty("sherlock.soak.minutes", "10"));
        List<String> backends = Arrays.stream(System.getProperty("sherlock.soak.backends",
                "file,redis,memcached,etcd").split(",")).map(String::strip).filter(b -> !b.isEmpty()).toList();
        long seed = Long.getLong("sherlock.soak.seed", System.nanoTime());
        System.out.printf("Fault soak: %s minutes per backend on %s, seed %d%n", minutes, backends, seed);
        Random random = new Random(seed);
        List<Summary> summaries = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (String backend : backends) {
            try (FaultRun run = FaultRun.start(backend, EXPIRE, 3, 2)) {
                run.awaitAcquisitions(6);
                long end = System.nanoTime() + (long) (minutes * 60e9);
                while (System.nanoTime() - end < 0) {
                    inject(run, random);
                    run.awaitAcquisitions(3);
                    Thread.sleep(random.nextInt(3000));
                }
                FaultRun.Result result = run.finish();
                summaries.add(result.summary());
                result.workerFailures().forEach(failure -> failures.add(backend + ": " + failure));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String table = Summary.table(summaries);
        System.out.println("Fault soak summary (seed " + seed + ")\n" + table);
        Path file = Path.of("target", "fault-runs", "soak-summary.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "seed " + seed + "\n" + table);
        assertThat(failures).as("workers that failed").isEmpty();
        summaries.forEach(FaultSuiteTests::assertSafe);
    }

    private static void inject(FaultRun run, Random random) {
        int kinds = run.hasServer() ? 8 : 4;
        switch (random.nextInt(kinds)) {
            case 0 -> run.pauseHolderPastExpiry(HoldPhase.values()[random.nextInt(HoldPhase.values().length)]);
            case 1 -> run.pauseHolderPastExpiry(HoldPhase.BEFORE_WRITE);
            case 2 -> run.pauseHolderBriefly(between(random, Duration.ofMillis(100), EXPIRE.dividedBy(2)));
            case 3 -> run.killHolder();
            case 4 -> run.pauseServer(between(random, Duration.ofMillis(100), EXPIRE.dividedBy(2)));
            case 5 -> run.pauseServer(between(random, EXPIRE.plusMillis(1), EXPIRE.multipliedBy(2)));
            case 6 -> run.restartServer(between(random, EXPIRE.plusMillis(500), EXPIRE.plusSeconds(2)));
            default -> run.restartServer(between(random, Duration.ZERO, EXPIRE.dividedBy(3)));
        }
    }

    private static Duration between(Random random, Duration low, Duration high) {
        return low.plusMillis(random.nextLong(high.minus(low).toMillis() + 1));
    }
}
