package dev.sherlock.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short version of the project's fault suite, run with every build: per backend, one run of worker JVMs
 * contending for a lock around a fenced counter, into which the test injects each fault once. The checks are
 * counts over the whole run (see {@link RunAnalysis}): no overlap of beliefs, no stale write accepted, no token
 * regression, no lost update. A restart of a server that keeps no data (Redis without persistence, memcached)
 * before the expiry makes the server forget held locks: overlaps across it are reported, not asserted, and fencing
 * must still keep the data right. {@link FaultSoak} runs the same with random faults for as long as asked.
 */
class FaultSuiteTests {

    /** etcd's shortest lease is 2 s; the holders renew every second. */
    static final Duration EXPIRE = Duration.ofSeconds(3);

    private static final List<String> HOLDER_FAULTS = List.of("holder-pause-before-check",
            "holder-pause-before-write", "holder-kill");

    private static final List<Summary> summaries = new ArrayList<>();

    @Test
    @DisplayName("file: a holder paused past its expiry stops believing and its late write is rejected; a killed"
            + " holder is replaced; no overlap, no stale write, no token regression, no lost update")
    void fileLocksStaySafeWhenHoldersArePausedOrKilled() throws IOException {
        Summary summary = run("file", FaultSuiteTests::holderFaults);
        assertThat(summary.faults()).containsOnlyKeys(HOLDER_FAULTS);
    }

    @Test
    @DisplayName("redis: holder pauses and kills, a server pause past the expiry and a delayed restart cause no"
            + " overlap; after an immediate restart without persistence fencing still keeps the counter exact")
    void redisLocksStaySafeUnderHolderAndServerFaults() throws IOException {
        Summary summary = run("redis", FaultSuiteTests::allFaults);
        assertThat(summary.faults()).containsKeys(HOLDER_FAULTS.toArray(String[]::new)).containsKeys(
                "server-long-pause", "server-restart-delayed", "server-restart-immediate");
    }

    @Test
    @DisplayName("memcached: holder pauses and kills, a server pause past the expiry and a delayed restart cause no"
            + " overlap; after an immediate restart fencing still keeps the counter exact")
    void memcachedLocksStaySafeUnderHolderAndServerFaults() throws IOException {
        Summary summary = run("memcached", FaultSuiteTests::allFaults);
        assertThat(summary.faults()).containsKeys(HOLDER_FAULTS.toArray(String[]::new)).containsKeys(
                "server-long-pause", "server-restart-delayed", "server-restart-immediate");
    }

    @Test
    @DisplayName("etcd: holder pauses and kills, a server pause past the expiry and an immediate restart (etcd keeps"
            + " its data) cause no overlap")
    void etcdLocksStaySafeUnderHolderAndServerFaults() throws IOException {
        Summary summary = run("etcd", run -> {
            holderFaults(run);
            run.pauseServer(EXPIRE.multipliedBy(3).dividedBy(2));
            run.restartServer(Duration.ZERO);
        });
        assertThat(summary.faults()).containsKeys("server-long-pause", "server-restart-immediate");
        assertThat(summary.expectedOverlaps()).as("etcd keeps its data: no restart excuses an overlap").isZero();
    }

    private static void holderFaults(FaultRun run) {
        run.pauseHolderPastExpiry(HoldPhase.BEFORE_CHECK);
        run.awaitAcquisitions(3);
        run.pauseHolderPastExpiry(HoldPhase.BEFORE_WRITE);
        run.awaitAcquisitions(3);
        run.killHolder();
        run.awaitAcquisitions(3);
    }

    private static void allFaults(FaultRun run) {
        holderFaults(run);
        run.pauseServer(EXPIRE.multipliedBy(3).dividedBy(2));
        run.restartServer(EXPIRE.plusMillis(500));
        run.restartServer(Duration.ZERO);
    }

    private static Summary run(String backend, Consumer<FaultRun> faults) throws IOException {
        FaultRun.Result result;
        try (FaultRun run = FaultRun.start(backend, EXPIRE, 3, 2)) {
            run.awaitAcquisitions(6);
            faults.accept(run);
            run.awaitAcquisitions(3);
            result = run.finish();
        }
        synchronized (summaries) {
            summaries.add(result.summary());
        }
        assertThat(result.workerFailures()).as("workers that failed").isEmpty();
        assertSafe(result.summary());
        return result.summary();
    }

    /** The checks every run must pass, with the run's details when one fails. */
    static void assertSafe(Summary summary) {
        String details = summary.details();
        assertThat(summary.overlaps()).as("overlaps of beliefs\n%s", details).isZero();
        assertThat(summary.staleAccepted()).as("stale writes accepted\n%s", details).isZero();
        assertThat(summary.tokenRegressions()).as("token regressions\n%s", details).isZero();
        assertThat(summary.duplicateTokens()).as("tokens handed out twice\n%s", details).isZero();
        assertThat(summary.lostUpdates()).as("lost updates\n%s", details).isZero();
        assertThat(summary.unknownSendTimes()).as("acquisitions the order check could not place\n%s", details)
                .isZero();
        assertThat(summary.acceptedWrites()).as("accepted writes\n%s", details).isPositive();
        if (summary.faults().containsKey(HoldPhase.BEFORE_WRITE.fault)) {
            assertThat(summary.staleRejected()).as("stale writes rejected: a holder paused before its write wrote"
                    + " with a superseded token\n%s", details).isPositive();
        }
    }

    @AfterAll
    static void printSummary() throws IOException {
        String table = Summary.table(summaries);
        System.out.println("Fault suite summary\n" + table);
        Path file = Path.of("target", "fault-runs", "summary.txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, table);
    }
}
