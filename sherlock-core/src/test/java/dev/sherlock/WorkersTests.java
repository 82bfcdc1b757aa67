package dev.sherlock;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WorkersTests {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    private final Workers workers = new Workers(timer, "workers-test", 2, 256);

    private final CountDownLatch hung = new CountDownLatch(1);

    @AfterEach
    void stop() {
        hung.countDown();
        workers.close();
        timer.shutdownNow();
    }

    @Test
    void tasksStuckInHungCallsDoNotHoldUpTheOthers() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            workers.execute(this::hang);
        }
        CountDownLatch quick = new CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            workers.execute(quick::countDown);
        }
        assertThat(quick.await(30, TimeUnit.SECONDS)).isTrue();
        // The three hung threads, and those started beside them once all were stuck.
        assertThat(workers.threads()).isGreaterThan(3);
    }

    @Test
    void aBurstOfQuickTasksRunsOnAFewThreads() throws InterruptedException {
        CountDownLatch quick = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++) {
            workers.execute(quick::countDown);
        }
        assertThat(quick.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(workers.threads()).isLessThanOrEqualTo(10);
    }

    private void hang() {
        try {
            hung.await(Duration.ofMinutes(1).toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
