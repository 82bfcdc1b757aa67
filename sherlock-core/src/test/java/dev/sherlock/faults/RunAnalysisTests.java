package dev.sherlock.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import dev.sherlock.faults.RunAnalysis.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The fault suite's checks find each kind of violation, so a clean run means something. */
class RunAnalysisTests {

    @TempDir
    Path directory;

    @Test
    void twoHoldersBelievingAtOneInstantAreAnOverlap() throws IOException {
        log("w1", "A w1.0 1 10 100 110", "H w1.0 1 200", "O w1.0 1 written/released");
        log("w2", "A w2.0 1 20 150 190", "H w2.0 1 300", "O w2.0 1 written/released");
        Summary summary = analyze(List.of());
        assertThat(summary.overlaps()).isEqualTo(1);
        assertThat(summary.violations()).singleElement().asString().startsWith("overlap");
    }

    @Test
    void holdersWhoseBeliefsOnlyTouchDoNotOverlap() throws IOException {
        log("w1", "A w1.0 1 10 100 110", "H w1.0 1 200", "O w1.0 1 written/released");
        log("w2", "A w2.0 1 20 150 200", "H w2.0 1 300", "O w2.0 1 written/released");
        assertThat(analyze(List.of()).overlaps()).isZero();
    }

    @Test
    void anOverlapAcrossARestartThatForgotTheLockIsCountedApart() throws IOException {
        log("w1", "A w1.0 1 10 100 110", "H w1.0 1 200");
        log("w2", "A w2.0 1 20 150 190", "H w2.0 1 300");
        Summary summary = analyze(List.of(new Fault("server-restart-immediate", 170, 180, true)));
        assertThat(summary.overlaps()).isZero();
        assertThat(summary.expectedOverlaps()).isEqualTo(1);
    }

    @Test
    void aSmallerTokenAfterAnAcquisitionThatCertainlyCameFirstIsARegression() throws IOException {
        log("w1", "A w1.0 1 20 100 110", "H w1.0 1 120", "O w1.0 1 written/released");
        log("w2", "A w2.0 1 15 130 140", "H w2.0 1 150", "O w2.0 1 written/released");
        assertThat(analyze(List.of()).tokenRegressions()).isEqualTo(1);
    }

    @Test
    void concurrentAttemptsAreNotOrderedByTheirReturn() throws IOException {
        // w2's first attempt was sent before w1's acquire returned: either may have been granted first.
        log("w1", "A w1.0 1 20 100 110", "H w1.0 1 120", "O w1.0 1 written/released");
        log("w2", "A w2.0 1 15 105 140", "H w2.0 1 150", "O w2.0 1 written/released");
        assertThat(analyze(List.of()).tokenRegressions()).isZero();
    }

    @Test
    void aTokenHandedOutTwiceIsCounted() throws IOException {
        log("w1", "A w1.0 1 20 100 110", "O w1.0 1 written/released");
        log("w2", "A w2.0 1 20 105 140", "O w2.0 1 written/released");
        assertThat(analyze(List.of()).duplicateTokens()).isEqualTo(1);
    }

    @Test
    void theResourceRejectsAndTheAnalysisCountsAWriteWithASupersededToken() throws IOException {
        try (FencedResource resource = new FencedResource(directory.resolve(FaultWorker.JOURNAL))) {
            assertThat(resource.register("w1.0", 10).accepted()).isTrue();
            long read = resource.read("w1.0", 10).counter();
            assertThat(resource.register("w2.0", 11).accepted()).isTrue();
            assertThat(resource.write("w1.0", 10, read + 1).accepted()).isFalse();
            assertThat(resource.read("w1.0", 10).accepted()).isFalse();
            assertThat(resource.write("w2.0", 11, read + 1)).isEqualTo(new FencedResource.Outcome(true, 1));
        }
        Summary summary = analyze(List.of());
        assertThat(summary.staleRejected()).isEqualTo(1);
        assertThat(summary.staleOtherRejected()).isEqualTo(1);
        assertThat(summary.staleAccepted()).isZero();
        assertThat(summary.lostUpdates()).isZero();
        assertThat(summary.counter()).isEqualTo(1);
    }

    @Test
    void anAcceptedStaleWriteAndALostUpdateAreFoundInTheJournal() throws IOException {
        // A resource without fencing would have written this journal: w1 wrote after w2 registered.
        journal(new FencedResource.Entry('R', "w1.0", 10, 1, true, 10, 0, 0),
                new FencedResource.Entry('R', "w2.0", 11, 2, true, 11, 0, 0),
                new FencedResource.Entry('W', "w2.0", 11, 3, true, 11, 1, 1),
                new FencedResource.Entry('W', "w1.0", 10, 4, true, 11, 1, 2));
        Summary summary = analyze(List.of());
        assertThat(summary.staleAccepted()).isEqualTo(1);
        assertThat(summary.lostUpdates()).isEqualTo(1);
        assertThat(summary.violationCount()).isEqualTo(2);
    }

    @Test
    void aWriteAfterANewerHolderReturnedButBeforeItReachedTheResourceIsLate() throws IOException {
        log("w1", "A w1.0 1 10 100 110", "H w1.0 1 120");
        log("w2", "A w2.0 1 11 130 140");
        journal(new FencedResource.Entry('R', "w1.0", 10, 115, true, 10, 0, 0),
                new FencedResource.Entry('W', "w1.0", 10, 150, true, 10, 1, 1));
        Summary summary = analyze(List.of());
        assertThat(summary.lateWrites()).isEqualTo(1);
        assertThat(summary.violationCount()).isZero();
    }

    @Test
    void aWorkerKilledMidLineLeavesTheLinesBeforeIt() throws IOException {
        Files.writeString(directory.resolve("w1.log"), "A w1.0 1 10 100 110\nH w1.0 1 120\nO w1.0 1 wri");
        RunLogs logs = new RunLogs(directory).poll();
        assertThat(logs.acquisitions()).singleElement().satisfies(a -> assertThat(a.outcome).isNull());
        assertThat(logs.open()).hasSize(1);
    }

    private void log(String worker, String... lines) throws IOException {
        Files.write(directory.resolve(worker + ".log"), List.of(lines), StandardCharsets.US_ASCII);
    }

    private void journal(FencedResource.Entry... entries) throws IOException {
        for (FencedResource.Entry entry : entries) {
            Files.write(directory.resolve(FaultWorker.JOURNAL), entry.encode(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    private Summary analyze(List<Fault> faults) throws IOException {
        return RunAnalysis.analyze("test", new RunLogs(directory).poll(),
                FencedResource.journal(directory.resolve(FaultWorker.JOURNAL)), faults);
    }
}
