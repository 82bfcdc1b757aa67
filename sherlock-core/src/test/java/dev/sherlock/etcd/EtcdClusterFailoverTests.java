package dev.sherlock.etcd;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.BackendLock;
import dev.sherlock.LockException;
import dev.sherlock.LockListener;
import dev.sherlock.LockLostException;
import dev.sherlock.LockSettings;
import dev.sherlock.testserver.EtcdCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 3-member etcd cluster loses its leader while a lock is held: the holder keeps its lock through the election
 * (its keep-alives fail for a while, which is not a loss), nobody else gets the lock meanwhile, and locks can be
 * taken again once a new leader is elected.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class EtcdClusterFailoverTests {

    private static final Logger logger = LoggerFactory.getLogger(EtcdClusterFailoverTests.class);

    /** Long enough to outlast etcd's stall of a few seconds for requests caught in the election. */
    private static final Duration EXPIRE = Duration.ofSeconds(15);

    /**
     * The holder's request timeout: shorter than the election, which cannot end before etcd's election timeout
     * (1 s), so a renewal sent during it fails instead of only being slow.
     */
    private static final Duration HOLDER_REQUEST_TIMEOUT = Duration.ofMillis(400);

    /** How long before the next renewal the leader is killed. */
    private static final long KILL_AHEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private static EtcdCluster cluster;

    private final ExecutorService executor = Executors.newCachedThreadPool();

    @BeforeAll
    static void startCluster() {
        cluster = EtcdCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    @Test
    void heldLockSurvivesTheLeadersDeathAndLocksCanBeTakenAfterTheElection() throws Exception {
        String name = "failover-" + UUID.randomUUID();
        LockSettings settings = LockSettings.defaults().withExpire(EXPIRE).withTimeout(Duration.ofSeconds(60));
        try (RenewalRecorder holders = new RenewalRecorder(
                EtcdBackend.builder().endpoints(cluster.endpoints()).requestTimeout(HOLDER_REQUEST_TIMEOUT).build());
                EtcdBackend contenders = EtcdBackend.builder().endpoints(cluster.endpoints()).build()) {
            BackendLock holder = new BackendLock(name, holders, "failover", settings);
            List<String> lost = new CopyOnWriteArrayList<>();
            holder.addListener(new LockListener() {
                @Override
                public void lost(String lockName, LockLostException cause) {
                    lost.add(cause.getMessage());
                }
            });
            // The first requests of a new client also connect it, which may take longer than the short timeout.
            await().pollInSameThread().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> holder.acquire(false));
            long holderToken = holder.fencingToken();

            AtomicBoolean holderDone = new AtomicBoolean();
            AtomicInteger stolen = new AtomicInteger();
            AtomicInteger contenderErrors = new AtomicInteger();
            Future<?> contender = executor.submit(() -> contend(name, contenders, settings, holderDone, stolen,
                    contenderErrors));

            // Kill the leader just before the next renewal is due, so that renewal runs into the election and fails.
            await().atMost(Duration.ofSeconds(30)).until(() -> holders.renewed.get() >= 1);
            long nextRenewal = holders.lastRenewalSent.get() + EXPIRE.toNanos() / 3;
            TimeUnit.NANOSECONDS.sleep(nextRenewal - System.nanoTime() - KILL_AHEAD_NANOS);
            int leader = cluster.leader();
            assertThat(leader).isNotNegative();
            cluster.kill(leader);
            logger.info("Killed etcd leader member-{} while holding lock '{}'", leader, name);

            await().atMost(Duration.ofSeconds(60)).until(() -> holders.renewedAfterFailure.get() > 0
                    || holders.refused.get() > 0 || !lost.isEmpty());
            logger.info("After the election: {}; contender errors: {}", holders, contenderErrors.get());
            assertThat(lost).isEmpty();
            assertThat(holders.refused.get()).as("renewals that found the lock gone; %s", holders).isZero();
            assertThat(holders.failed.get()).as("renewals that failed during the election; %s", holders).isPositive();
            assertThat(cluster.awaitLeader(Duration.ofSeconds(30))).isNotEqualTo(leader);
            assertThat(holder.isHeldByCurrentThread()).isTrue();
            assertThat(stolen).as("acquisitions by the contender while the holder held the lock").hasValue(0);

            holderDone.set(true);
            contender.get(1, TimeUnit.MINUTES);
            holder.release();
            assertThat(stolen).hasValue(0);

            BackendLock next = new BackendLock(name, contenders, "failover", settings);
            next.acquire();
            assertThat(next.fencingToken()).isGreaterThan(holderToken);
            next.release();
            try (EtcdBackend fresh = EtcdBackend.builder().endpoints(cluster.endpoints()).build()) {
                BackendLock other = new BackendLock("failover-" + UUID.randomUUID(), fresh, "failover", settings);
                other.acquire();
                assertThat(other.fencingToken()).isGreaterThan(holderToken);
                other.release();
            }
        }
    }

    /** Tries to take the lock again and again until the holder is done; every success is a broken exclusion. */
    private static Void contend(String name, EtcdBackend backend, LockSettings settings, AtomicBoolean holderDone,
            AtomicInteger stolen, AtomicInteger errors) throws InterruptedException {
        BackendLock lock = new BackendLock(name, backend, "failover", settings);
        while (!holderDone.get()) {
            try {
                if (lock.acquire(false)) {
                    // Checked before the release so a success is counted while the holder still believes it holds.
                    if (!holderDone.get()) {
                        stolen.incrementAndGet();
                    }
                    lock.release();
                }
            }
            catch (LockException ex) {
                errors.incrementAndGet();
            }
            Thread.sleep(20);
        }
        return null;
    }
}
