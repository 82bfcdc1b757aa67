package dev.sherlock.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Random;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

import dev.sherlock.sample.Ledger.Deposit;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * One worker process: once the demo says "go" on standard input, it makes its deposits into random accounts and
 * reports on standard output, in lines starting with {@code @sample}: {@code ready}, {@code progress <n>} and
 * {@code done <deposits> <out of order> <acquire latencies in µs, comma-separated>}.
 */
@Component
@ConditionalOnProperty(name = "sample.role", havingValue = "worker")
class Worker implements ApplicationRunner {

    /** How many ticks of the scheduled job a run of the demo shows at least. */
    static final int TICKS = 3;

    private final Ledger ledger;

    private final SampleProperties properties;

    Worker(Ledger ledger, SampleProperties properties) {
        this.ledger = ledger;
        this.properties = properties;
    }

    @Override
    public void run(ApplicationArguments args) throws IOException {
        Files.createDirectories(properties.dataDirectory());
        System.out.println("@sample ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (!"go".equals(in.readLine())) {
            throw new IllegalStateException("Worker " + properties.worker() + ": the demo went away before starting");
        }
        watchForDemoExit(in);
        Random random = new Random(properties.worker());
        StringJoiner latencies = new StringJoiner(",");
        int outOfOrder = 0;
        for (int i = 1; i <= properties.deposits(); i++) {
            int account = random.nextInt(properties.accounts());
            Deposit deposit = properties.locked() ? ledger.deposit(account, System.nanoTime())
                    : ledger.depositUnlocked(account);
            latencies.add(Long.toString(TimeUnit.NANOSECONDS.toMicros(deposit.waitedNanos())));
            if (!deposit.inOrder()) {
                outOfOrder++;
            }
            if (i % 5 == 0) {
                System.out.println("@sample progress " + i);
                System.out.flush();
            }
        }
        awaitTicks();
        System.out.println("@sample done " + properties.deposits() + " " + outOfOrder + " " + latencies);
        System.out.flush();
    }

    /** Lets the scheduled job run a few ticks (once a second, on one worker each) before this worker ends. */
    private void awaitTicks() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (TickJob.runs(properties.dataDirectory()).stream().mapToLong(run -> run[0]).distinct().count() < TICKS
                && System.nanoTime() - deadline < 0) {
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The demo keeps this worker's standard input open: when it closes, the demo is gone, and so is the worker. */
    private void watchForDemoExit(BufferedReader in) {
        Thread watcher = new Thread(() -> {
            try {
                while (in.readLine() != null) {
                    // nothing else is sent after "go"
                }
            }
            catch (IOException ex) {
                // a broken pipe means the same as the end of input
            }
            System.err.println("Worker " + properties.worker() + ": the demo went away; stopping");
            Runtime.getRuntime().halt(3);
        }, "sample-demo-watch");
        watcher.setDaemon(true);
        watcher.start();
    }
}
