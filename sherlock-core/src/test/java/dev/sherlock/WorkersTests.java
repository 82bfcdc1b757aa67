package dev.sherlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    @Test
    void tasksThatCanWaitQueueOnOneThreadThoughTheyWaitLongerThanAStall() throws InterruptedException {
        // 100 tasks of 5 ms each: the last waits half a second, and each may wait a minute.
        assertThat(runFiveMillisTasks(100, TimeUnit.MINUTES.toNanos(1))).isTrue();
        assertThat(workers.threads()).isEqualTo(1);
    }

    @Test
    void tasksThatCanWaitLongAreNotHeldUpByAHungCall() throws InterruptedException {
        workers.execute(this::hang);
        CountDownLatch patient = new CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            workers.execute(patient::countDown, TimeUnit.MINUTES.toNanos(1));
        }
        // The hung call lasts a minute and so does the patience: only the stall check frees them sooner.
        assertThat(patient.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(workers.threads()).isGreaterThan(1);
    }

    @Test
    void tasksThatWaitInTheQueueLongerThanTheyCanGetMoreThreadsThoughNoTaskIsStuck() throws InterruptedException {
        // Each task takes 5 ms, far less than the 50 ms that counts as stuck, but 100 of them queue for 500 ms, and
        // by default a task can wait 50 ms.
        assertThat(runFiveMillisTasks(100, Workers.STALL_NANOS)).isTrue();
        assertThat(workers.threads()).isGreaterThan(2);
    }

    @Test
    void aTaskThatCannotWaitForTheStallCheckGetsAThreadAtOnceWhileEveryThreadIsBusy() throws InterruptedException {
        // A renewal with 60 ms left before its hold's deadline (a 100 ms lock) cannot wait for the stall check, 50 ms
        // away, while the lane's one thread is in another call.
        CountDownLatch busy = new CountDownLatch(1);
        workers.execute(() -> {
            busy.countDown();
            hang();
        });
        assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
        CountDownLatch urgent = new CountDownLatch(1);
        workers.execute(urgent::countDown, TimeUnit.MILLISECONDS.toNanos(6));
        assertThat(workers.threads()).as("started by the execute itself").isEqualTo(2);
        assertThat(urgent.await(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aTaskThatCanWaitLeastRunsBeforeTasksQueuedEarlierThatCanWaitLonger() throws InterruptedException {
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        workers.execute(() -> {
            busy.countDown();
            waitFor(gate);
        }, TimeUnit.MINUTES.toNanos(10));
        assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
        List<String> ran = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 200; i++) {
            workers.execute(() -> ran.add("patient"), TimeUnit.MINUTES.toNanos(10));
        }
        workers.execute(() -> ran.add("urgent"), TimeUnit.MINUTES.toNanos(1));
        gate.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> ran.size() == 201);
        assertThat(ran.get(0)).isEqualTo("urgent");
    }

    @Test
    void aTaskThatLeavesItsThreadInterruptedDoesNotInterruptTheNextTask() throws InterruptedException {
        // Both queued behind a first task, so the one thread runs them one after the other.
        CountDownLatch gate = new CountDownLatch(1);
        workers.execute(() -> waitFor(gate), TimeUnit.MINUTES.toNanos(1));
        CountDownLatch done = new CountDownLatch(1);
        List<Boolean> interrupted = new CopyOnWriteArrayList<>();
        workers.execute(() -> Thread.currentThread().interrupt(), TimeUnit.MINUTES.toNanos(1));
        workers.execute(() -> {
            interrupted.add(Thread.currentThread().isInterrupted());
            done.countDown();
        }, TimeUnit.MINUTES.toNanos(1));
        gate.countDown();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(workers.threads()).isEqualTo(1);
        assertThat(interrupted).containsExactly(false);
    }

    @Test
    void queuedTasksTakenByACallerAreRunByItAndNoLongerByTheWorkers() throws InterruptedException {
        // One thread at most: however slow this machine, the queued tasks stay queued until the gate opens.
        Workers workers = new Workers(timer, "workers-test-one", 0, 1);
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        workers.execute(() -> {
            busy.countDown();
            waitFor(gate);
        }, TimeUnit.MINUTES.toNanos(1));
        assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
        List<String> ran = new CopyOnWriteArrayList<>();
        List<Runnable> renewals = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Runnable renewal = new Named("renewal-" + i, ran);
            renewals.add(renewal);
            workers.execute(renewal, TimeUnit.MINUTES.toNanos(1));
            workers.execute(new Named("other-" + i, ran), TimeUnit.MINUTES.toNanos(1));
        }

        List<Runnable> taken = workers.takeQueued(task -> task.toString().startsWith("renewal"), 3);
        List<Runnable> rest = workers.takeQueued(task -> task.toString().startsWith("renewal"), 10);
        gate.countDown();

        assertThat(taken).hasSize(3).isSubsetOf(renewals);
        assertThat(rest).hasSize(2).isSubsetOf(renewals).doesNotContainAnyElementsOf(taken);
        await().atMost(Duration.ofSeconds(30)).until(() -> ran.size() == 5);
        Thread.sleep(100);
        assertThat(ran).containsExactlyInAnyOrder("other-0", "other-1", "other-2", "other-3", "other-4");
        workers.close();
    }

    /** A task that records its name when it runs, and shows it in {@code toString()}. */
    private record Named(String name, List<String> ran) implements Runnable {

        @Override
        public void run() {
            ran.add(name);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static void waitFor(CountDownLatch latch) {
        try {
            latch.await(1, TimeUnit.MINUTES);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code count} tasks of 5 ms, each able to wait {@code patienceNanos}; whether all ended within 30 s. */
    private boolean runFiveMillisTasks(int count, long patienceNanos) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            workers.execute(() -> {
                try {
                    Thread.sleep(5);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            }, patienceNanos);
        }
        return done.await(30, TimeUnit.SECONDS);
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
