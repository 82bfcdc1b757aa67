package dev.sherlock.sample;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import dev.sherlock.sample.ContentionDemo.Options;
import dev.sherlock.sample.ContentionDemo.Summary;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The README's demo, small: worker JVMs contend for the file backend's locks and no update is lost, and their
 * scheduled job runs once per tick.
 */
class ContentionDemoTests {

    @Test
    void workerProcessesLoseNoUpdateAndKeepFencingOrder() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Options options = Options.parse(new String[] { "--workers=3", "--deposits=40", "--accounts=2", "--work=1ms" });
        Summary summary = ContentionDemo.run(options, new PrintStream(output, true, StandardCharsets.UTF_8));
        assertThat(summary.acquisitions()).isEqualTo(120);
        assertThat(summary.lostUpdates()).isZero();
        assertThat(summary.outOfOrder()).isZero();
        assertThat(summary.ticks().ticks()).as("the scheduled job ran").isGreaterThanOrEqualTo(Worker.TICKS);
        assertThat(summary.ticks().runTwice()).isZero();
        assertThat(summary.ticks().tokensInOrder()).isTrue();
        assertThat(summary.passed()).isTrue();
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("120/120 deposits")
            .contains("lost updates     0")
            .contains("fencing order    OK")
            .containsPattern("acquire latency  p50 \\d+\\.\\d ms  p99 \\d+\\.\\d ms")
            .containsPattern("scheduled job    \\d+ ticks, each run by exactly one worker");
    }

    @Test
    void unknownOptionIsRejectedWithTheOptionsList() {
        assertThatIllegalArgumentException().isThrownBy(() -> Options.parse(new String[] { "--threads=2" }))
            .withMessage("Unknown option '--threads=2'. Options: --workers=N --deposits=N --accounts=N --work=Nms"
                    + " --unlocked --keep");
    }
}
