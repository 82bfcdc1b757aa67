package dev.sherlock.spi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ReleaseSignalsTests {

    private static final Duration LONG = Duration.ofSeconds(30);

    private final ReleaseSignals signals = new ReleaseSignals();

    @Test
    void aNewerReleaseWakesTheWaiterAndAnOlderOneDoesNot() throws Exception {
        CompletableFuture<Boolean> woken = waitInBackground("jobs", 5);
        signals.released("jobs", 4);
        signals.released("other", 9);
        Thread.sleep(100);
        assertThat(woken).isNotDone();
        signals.released("jobs", 6);
        assertThat(woken.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(signals.waiters("jobs")).isZero();
        assertThat(signals.anyWaiters()).isFalse();
    }

    @Test
    void aReleaseSignalledJustBeforeTheWaitIsNotMissed() throws Exception {
        signals.released("jobs", 8);
        assertThat(signals.await("jobs", 7, LONG)).isTrue();
        assertThat(signals.recentRelease("jobs")).isEqualTo(8);
    }

    @Test
    void aReleaseOfEveryKeyWithANewerVersionIsNotMissedEitherBeforeOrDuringTheWait() throws Exception {
        signals.releasedAll(20);
        assertThat(signals.await("jobs", 19, LONG)).isTrue();
        CompletableFuture<Boolean> woken = waitInBackground("reports", 20);
        signals.releasedAll(21);
        assertThat(woken.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anUnversionedSignalWakesEveryWaiterOfTheKey() throws Exception {
        CompletableFuture<Boolean> observed = waitInBackground("jobs", 3);
        CompletableFuture<Boolean> fresh = waitInBackground("jobs", 0);
        await().until(() -> signals.waiters("jobs") == 2);
        signals.released("jobs", 0);
        assertThat(observed.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(fresh.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aSignalLostOnTheWayCostsOnlyTheBoundedWait() throws Exception {
        long start = System.nanoTime();
        assertThat(signals.await("jobs", 1, Duration.ofMillis(200))).isFalse();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
        assertThat(signals.waiters("jobs")).isZero();
    }

    private CompletableFuture<Boolean> waitInBackground(String key, long observedVersion) {
        int before = signals.waiters(key);
        CompletableFuture<Boolean> woken = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                woken.complete(signals.await(key, observedVersion, LONG));
            }
            catch (Throwable ex) {
                woken.completeExceptionally(ex);
            }
        });
        waiter.setDaemon(true);
        waiter.start();
        await().until(() -> signals.waiters(key) > before);
        return woken;
    }
}
