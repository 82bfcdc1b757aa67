package dev.sherlock.leader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LeaderElection beyond the contract: listeners that throw, block or stop the election, a grant racing stop(), and
 * isLeader() from other threads ending with the lock's deadline.
 */
class LeaderElectionTests {

    private final List<LeaderElection> elections = new ArrayList<>();

    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void stop() {
        cleanups.forEach(Runnable::run);
        elections.forEach(LeaderElection::stop);
    }

    private LeaderElection election(LockBackend backend, LockSettings settings, String role, LeaderListener listener) {
        LeaderElection election = LeaderElection.of(LockRegistry.of(backend, null, settings), role, listener);
        elections.add(election);
        return election;
    }

    private static LeaderListener quiet() {
        return new LeaderListener() {
            @Override
            public void granted(Leadership leadership) {
            }

            @Override
            public void revoked(Leadership leadership, boolean lost) {
            }
        };
    }

    private static void await(java.util.function.BooleanSupplier condition, Duration atMost) throws Exception {
        long end = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("condition not met within " + atMost);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aListenerThatThrowsAnErrorEndsTheTermSoNeverTwoLeaders() throws Exception {
        MemoryBackend backend = new MemoryBackend();
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(1));
        LeaderElection first = election(backend, settings, "role", new LeaderListener() {
            @Override
            public void granted(Leadership leadership) {
                throw new AssertionError("a listener's bug");
            }

            @Override
            public void revoked(Leadership leadership, boolean lost) {
            }
        });
        first.start();
        await(first::isLeader, Duration.ofSeconds(5));
        LeaderElection second = election(backend, settings, "role", quiet());
        second.start();

        Thread.sleep(3000);

        assertThat(first.isLeader() && second.isLeader()).as("two leaders at once: first=%s second=%s", first,
                second).isFalse();
    }

    @Test
    void afterAListenerErrorTheNodeCanLeadAgain() throws Exception {
        MemoryBackend backend = new MemoryBackend();
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(1));
        boolean[] fail = {true};
        LeaderElection first = election(backend, settings, "role", new LeaderListener() {
            @Override
            public void granted(Leadership leadership) {
                if (fail[0]) {
                    fail[0] = false;
                    throw new AssertionError("a listener's bug, once");
                }
            }

            @Override
            public void revoked(Leadership leadership, boolean lost) {
            }
        });
        first.start();
        await(first::isLeader, Duration.ofSeconds(5));
        Thread.sleep(500);
        first.stop();
        first.start();
        // Nobody else contends: this node must lead again with a new term (epoch > 1).
        await(() -> first.leadership().map(term -> term.epoch() > 1).orElse(false), Duration.ofSeconds(12));
    }

    @Test
    void aCutOffLeaderStopsAnsweringIsLeaderBeforeAnotherLeads() throws Exception {
        MemoryBackend backend = new MemoryBackend();
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(1))
                .withRetryInterval(Duration.ofSeconds(1));
        CutOff cutOff = new CutOff(backend);
        LeaderElection first = election(cutOff, settings, "role", quiet());
        first.start();
        await(first::isLeader, Duration.ofSeconds(5));
        // The other node polls often (its own retry interval), so it takes over as soon as the backend lets it.
        LeaderElection second = election(backend, settings.withRetryInterval(Duration.ofMillis(10)), "role", quiet());
        second.start();
        Thread.sleep(200);
        cutOff.cut = true;

        boolean both = false;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() - end < 0 && !both) {
            both = first.isLeader() && second.isLeader();
            Thread.sleep(2);
        }
        assertThat(both).as("both nodes answered isLeader() true at the same time").isFalse();
    }

    @Test
    void aBlockingListenerDoesNotKeepIsLeaderTrueAfterTheLoss() throws Exception {
        MemoryBackend backend = new MemoryBackend();
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(1));
        CountDownLatch unblock = new CountDownLatch(1);
        cleanups.add(unblock::countDown);
        LeaderElection first = election(backend, settings, "role", new LeaderListener() {
            @Override
            public void granted(Leadership leadership) {
                try {
                    unblock.await();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void revoked(Leadership leadership, boolean lost) {
            }
        });
        first.start();
        await(first::isLeader, Duration.ofSeconds(5));
        LeaderElection second = election(backend, settings, "role", quiet());
        second.start();
        backend.evict(backend.key(null, "role"));
        await(second::isLeader, Duration.ofSeconds(10));
        Thread.sleep(2000);
        assertThat(first.isLeader()).as("the first still believes it leads, 2 s after the second took over")
                .isFalse();
    }

    @Test
    void stopFromTheListenerDoesNotWaitForItself() throws Exception {
        MemoryBackend backend = new MemoryBackend();
        LockSettings settings = LockSettings.defaults().withExpire(Duration.ofSeconds(5))
                .withTimeout(Duration.ofSeconds(10));
        LeaderElection[] self = new LeaderElection[1];
        long[] took = new long[1];
        CountDownLatch done = new CountDownLatch(1);
        self[0] = election(backend, settings, "role", new LeaderListener() {
            @Override
            public void granted(Leadership leadership) {
                long start = System.nanoTime();
                self[0].stop();
                took[0] = System.nanoTime() - start;
                done.countDown();
            }

            @Override
            public void revoked(Leadership leadership, boolean lost) {
            }
        });
        self[0].start();
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(took[0])).as("stop() called on the election thread").isLessThan(
                Duration.ofSeconds(1));
    }

    @Test
    void aGrantRacingStopIsNotAnnounced() throws Exception {
        MemoryBackend memory = new MemoryBackend();
        CountDownLatch inFlight = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        LockBackend slow = new ForwardingBackend(memory) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                inFlight.countDown();
                boolean interrupted = false;
                while (true) {
                    try {
                        answer.await();
                        break;
                    }
                    catch (InterruptedException ex) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return super.tryAcquire(key, owner, expire);
            }
        };
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        boolean[] stopping = {false};
        LeaderElection election = election(slow, LockSettings.defaults(), "role", new LeaderListener() {
            @Override
            public void granted(Leadership leadership) {
                events.add(stopping[0] ? "granted after stop()" : "granted");
            }

            @Override
            public void revoked(Leadership leadership, boolean lost) {
                events.add("revoked");
            }
        });
        election.start();
        assertThat(inFlight.await(5, TimeUnit.SECONDS)).isTrue();
        stopping[0] = true;
        Thread stopper = new Thread(election::stop);
        stopper.start();
        Thread.sleep(200);
        answer.countDown();
        stopper.join();
        assertThat(events).doesNotContain("granted after stop()");
    }

    private static final class CutOff extends ForwardingBackend {

        volatile boolean cut;

        CutOff(LockBackend delegate) {
            super(delegate);
        }

        private void check() {
            if (cut) {
                throw new StoreException("connection refused (cut off by the test)");
            }
        }

        @Override
        public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
            check();
            return super.tryAcquire(key, owner, expire);
        }

        @Override
        public boolean release(String key, String owner) {
            check();
            return super.release(key, owner);
        }

        @Override
        public boolean renew(String key, String owner, @Nullable Duration expire) {
            check();
            return super.renew(key, owner, expire);
        }
    }
}
