package dev.sherlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import dev.sherlock.leader.LeaderElection;
import dev.sherlock.leader.LeaderListener;
import dev.sherlock.leader.Leadership;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.WaitOutcome;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import org.awaitility.core.ConditionFactory;

import static org.awaitility.Awaitility.await;

/**
 * The contract every backend meets (DESIGN §4), run unchanged against each backend on a real server.
 *
 * <p>A backend's test class extends this and supplies only the hooks: {@link #createBackend()}, and where needed
 * {@link #createOtherBackend()} (a second client, as another process would have), {@link #closeAfterAll} (what the
 * backends need, closed after them) and {@link #shortExpire()} (an expiry just above the backend's granularity).
 * This class creates the backends once per test class and closes them after its tests. Lock names are random, so
 * tests may share one server.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class LockBackendContractTests {

    private static final String NAMESPACE = "sherlock-contract";

    private final ExecutorService executor = TestThreads.callers();

    /** The backends of each concrete test class, created on first use and closed after its tests. */
    private static final Map<Class<?>, Fixture> fixtures = new ConcurrentHashMap<>();

    /**
     * Creates the backend under test; called once per test class, and closed by this class after its tests.
     * @return a new backend
     */
    protected abstract LockBackend createBackend();

    /**
     * Creates a second client to the same store, as another process would have; called once per test class, closed
     * after its tests. By default there is none, and {@link #otherBackend()} is the backend under test.
     * @return a new backend, or {@code null}
     */
    protected @Nullable LockBackend createOtherBackend() {
        return null;
    }

    /**
     * Registers something the backends need (a server, a connection factory) to be closed after this class's tests,
     * after the backends.
     * @param resource what to close
     */
    protected final void closeAfterAll(AutoCloseable resource) {
        fixture().resources.add(resource);
    }

    /** The backend under test. */
    protected final LockBackend backend() {
        return fixture().backend();
    }

    /** A second client to the same store, as another process would have; the backend under test if none. */
    protected final LockBackend otherBackend() {
        Fixture fixture = fixture();
        LockBackend other = fixture.other();
        return other != null ? other : fixture.backend();
    }

    private Fixture fixture() {
        return fixtures.computeIfAbsent(getClass(), type -> new Fixture(this));
    }

    @AfterAll
    static void closeBackends(TestInfo test) throws Exception {
        Fixture fixture = fixtures.remove(test.getTestClass().orElseThrow());
        if (fixture != null) {
            fixture.close();
        }
    }

    /** The backends of one test class, created lazily so a class that is skipped starts no server. */
    private static final class Fixture implements AutoCloseable {

        private final LockBackendContractTests tests;

        private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();

        private volatile @Nullable LockBackend backend;

        private volatile @Nullable LockBackend other;

        private volatile boolean otherCreated;

        Fixture(LockBackendContractTests tests) {
            this.tests = tests;
        }

        synchronized LockBackend backend() {
            LockBackend created = backend;
            if (created == null) {
                created = tests.createBackend();
                backend = created;
            }
            return created;
        }

        synchronized @Nullable LockBackend other() {
            if (!otherCreated) {
                otherCreated = true;
                other = tests.createOtherBackend();
            }
            return other;
        }

        @Override
        public void close() throws Exception {
            List<AutoCloseable> all = new ArrayList<>();
            if (other != null) {
                all.add(other);
            }
            if (backend != null) {
                all.add(backend);
            }
            all.addAll(resources);
            Exception failure = null;
            for (AutoCloseable closeable : all) {
                try {
                    closeable.close();
                }
                catch (Exception ex) {
                    if (failure == null) {
                        failure = ex;
                    }
                    else {
                        failure.addSuppressed(ex);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** An expiry just above the backend's granularity, used by the expiry tests. */
    protected Duration shortExpire() {
        return Duration.ofSeconds(1);
    }

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private static String uniqueName() {
        return "contract-" + UUID.randomUUID();
    }

    private LockSettings settings() {
        return LockSettings.defaults().withTimeout(Duration.ofSeconds(10)).withRetryInterval(Duration.ofMillis(50));
    }

    private LockSettings crashingSettings() {
        return settings().withExpire(shortExpire()).withAutoRenew(false);
    }

    private BackendLock lock(String name) {
        return new BackendLock(name, backend(), NAMESPACE, settings());
    }

    private BackendLock otherLock(String name) {
        return new BackendLock(name, otherBackend(), NAMESPACE, settings());
    }

    private <T> T onOtherThread(java.util.concurrent.Callable<T> task) throws Exception {
        return executor.submit(task).get(1, TimeUnit.MINUTES);
    }

    /** Holds belong to threads: poll on the test's own thread. */
    private static ConditionFactory awaitOnThisThread() {
        return await().pollInSameThread();
    }

    /** Acquires {@code name} with another client as soon as its crashed holder's expiry has passed. */
    private BackendLock takeOverAfterExpiry(String name) {
        BackendLock next = otherLock(name);
        awaitOnThisThread().atMost(timesExpire(10).plusSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> next.acquire(false));
        return next;
    }

    private Duration timesExpire(int factor) {
        return shortExpire().multipliedBy(factor);
    }

    @Nested
    class MutualExclusion {

        @Test
        @DisplayName("an acquired lock is held and seen as locked until it is released")
        void acquireAndRelease() {
            BackendLock lock = lock(uniqueName());
            assertThat(lock.locked()).isFalse();
            assertThat(lock.acquire(false)).isTrue();
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            assertThat(lock.locked()).isTrue();
            lock.release();
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThat(lock.locked()).isFalse();
        }

        @Test
        @DisplayName("a second handle is refused while the lock is held, and sees it locked")
        void secondHolderRefused() {
            String name = uniqueName();
            BackendLock first = lock(name);
            BackendLock second = otherLock(name);
            first.acquire();
            assertThat(second.acquire(false)).isFalse();
            assertThat(second.locked()).isTrue();
            assertThat(second.isHeldByCurrentThread()).isFalse();
            first.release();
            assertThat(second.acquire(false)).isTrue();
            second.release();
        }

        @Test
        @DisplayName("names differing only in case, punctuation or script are independent locks")
        void independentNames() {
            String base = uniqueName();
            List<String> names = List.of(base, base.toUpperCase(), base + "!", base + "_", base + ".", base + "/x",
                    base + " x", base + "{x}", base + "ö", base + "o\u0308", base + "\u65e5\u672c", base + "\uD83D\uDD12",
                    base + "\n", base + "x".repeat(900), base + "x".repeat(901));
            List<BackendLock> held = new ArrayList<>();
            for (String name : names) {
                BackendLock lock = lock(name);
                assertThat(lock.acquire(false)).as("acquire %s", name).isTrue();
                held.add(lock);
            }
            for (BackendLock lock : held) {
                assertThat(otherLock(lock.name()).acquire(false)).as("second acquire %s", lock.name()).isFalse();
                lock.release();
            }
        }

        @Test
        @DisplayName("a lock can be re-acquired right after release, by the same or another handle")
        void reacquireAfterRelease() {
            String name = uniqueName();
            BackendLock first = lock(name);
            BackendLock second = otherLock(name);
            for (int i = 0; i < 5; i++) {
                assertThat(first.acquire(false)).isTrue();
                first.release();
                assertThat(second.acquire(false)).isTrue();
                second.release();
            }
        }

        @Test
        @DisplayName("many threads with many handles and registries keep an exact counter")
        void manyThreadsManyHandles() throws Exception {
            String name = uniqueName();
            LockRegistry registry = LockRegistry.of(backend(), NAMESPACE, settings().withTimeout(Duration.ofSeconds(60)));
            int threads = 8;
            int increments = 20;
            int[] counter = new int[1];
            AtomicInteger overlaps = new AtomicInteger();
            AtomicInteger inside = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(executor.submit(() -> {
                    Lock lock = switch (thread % 3) {
                        case 0 -> registry.getLock(name);
                        case 1 -> new BackendLock(name, backend(), NAMESPACE, settings().withTimeout(Duration.ofSeconds(60)));
                        default -> new BackendLock(name, otherBackend(), NAMESPACE, settings().withTimeout(Duration.ofSeconds(60)));
                    };
                    start.await();
                    for (int i = 0; i < increments; i++) {
                        lock.acquire();
                        try {
                            if (inside.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            int read = counter[0];
                            Thread.yield();
                            counter[0] = read + 1;
                            inside.decrementAndGet();
                        }
                        finally {
                            lock.release();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(2, TimeUnit.MINUTES);
            }
            assertThat(overlaps).hasValue(0);
            assertThat(counter[0]).isEqualTo(threads * increments);
        }
    }

    @Nested
    class Waiting {

        @Test
        @DisplayName("a blocking acquire succeeds once the holder releases")
        void blockingWaitSucceedsAfterRelease() throws Exception {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            long holderToken = holder.fencingToken();
            CountDownLatch waiting = new CountDownLatch(1);
            Future<Long> waiter = executor.submit(() -> {
                BackendLock lock = otherLock(name);
                waiting.countDown();
                lock.acquire();
                try {
                    return lock.fencingToken();
                }
                finally {
                    lock.release();
                }
            });
            waiting.await();
            Thread.sleep(200);
            assertThat(waiter).isNotDone();
            holder.release();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isGreaterThan(holderToken);
        }

        @Test
        @DisplayName("a timed acquire gives up with false once its timeout has passed, not before")
        void timedWaitGivesUp() throws Exception {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            Duration timeout = Duration.ofMillis(300);
            long start = System.nanoTime();
            boolean acquired = onOtherThread(() -> otherLock(name).tryAcquire(timeout));
            long elapsed = System.nanoTime() - start;
            assertThat(acquired).isFalse();
            assertThat(elapsed).isGreaterThanOrEqualTo(timeout.toNanos());
            // Timeouts are wall time: a waiter gives up after its timeout plus about one round trip, not after the
            // holder's expiry. The bound is generous so that a loaded machine does not fail it.
            assertThat(Duration.ofNanos(elapsed)).isLessThan(timeout.plusSeconds(10));
            assertThat(holder.isHeldByCurrentThread()).isTrue();
            holder.release();
        }

        @Test
        @DisplayName("a blocking acquire throws LockTimeoutException naming the lock after the configured timeout")
        void blockingAcquireTimesOut() {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            BackendLock waiter = new BackendLock(name, otherBackend(), NAMESPACE,
                    settings().withTimeout(Duration.ofMillis(200)));
            assertThatThrownBy(waiter::acquire).isInstanceOf(LockTimeoutException.class)
                    .hasMessageContaining("'" + name + "'").hasMessageContaining(otherBackend().name());
            holder.release();
        }

        @Test
        @DisplayName("exactly one of two waiters wins after a release")
        void exactlyOneWaiterWins() throws Exception {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            CountDownLatch started = new CountDownLatch(2);
            CountDownLatch finished = new CountDownLatch(2);
            List<Future<Boolean>> waiters = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                BackendLock waiter = i == 0 ? lock(name) : otherLock(name);
                waiters.add(executor.submit(() -> {
                    started.countDown();
                    boolean won = waiter.tryAcquire(Duration.ofSeconds(3));
                    finished.countDown();
                    if (won) {
                        // Keep the lock until the other waiter has given up, then let go.
                        finished.await(1, TimeUnit.MINUTES);
                        waiter.release();
                    }
                    return won;
                }));
            }
            started.await();
            Thread.sleep(300);
            holder.release();
            int winners = 0;
            for (Future<Boolean> waiter : waiters) {
                winners += waiter.get(1, TimeUnit.MINUTES) ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
            // A waiter that gave up in line releases its owner in the background, giving back a lock a release may
            // have handed it meanwhile: nothing stays locked.
            await().atMost(Duration.ofSeconds(10)).until(() -> !lock(name).locked());
        }
    }

    @Nested
    class Expiry {

        @Test
        @DisplayName("a holder that stops renewing (a crash) frees the lock after its expiry")
        void expiryFreesCrashedHolder() {
            String name = uniqueName();
            BackendLock crashed = new BackendLock(name, backend(), NAMESPACE, crashingSettings());
            long start = System.nanoTime();
            crashed.acquire();
            assertThat(otherLock(name).acquire(false)).isFalse();
            BackendLock next = takeOverAfterExpiry(name);
            // Not before its expiry: the holder was entitled to the lock for that long.
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(shortExpire().toNanos());
            assertThat(crashed.isHeldByCurrentThread()).isFalse();
            next.release();
        }

        @Test
        @DisplayName("automatic renewal keeps a held lock well past its expiry")
        void autoRenewalKeepsLock() {
            String name = uniqueName();
            BackendLock holder = new BackendLock(name, backend(), NAMESPACE, settings().withExpire(shortExpire()));
            holder.acquire();
            BackendLock other = otherLock(name);
            awaitOnThisThread().during(timesExpire(3)).atMost(timesExpire(4).plusSeconds(5))
                    .until(() -> !other.acquire(false));
            assertThat(holder.isHeldByCurrentThread()).isTrue();
            holder.release();
        }

        @Test
        @DisplayName("a lock that never expires is still held long after the short expiry")
        void neverExpire() {
            String name = uniqueName();
            BackendLock holder = new BackendLock(name, backend(), NAMESPACE, settings().withoutExpiry());
            holder.acquire();
            BackendLock other = otherLock(name);
            awaitOnThisThread().during(timesExpire(3)).atMost(timesExpire(4).plusSeconds(5))
                    .until(() -> !other.acquire(false));
            assertThat(holder.isHeldByCurrentThread()).isTrue();
            assertThat(holder.renew()).isTrue();
            holder.release();
            assertThat(other.acquire(false)).isTrue();
            other.release();
        }

        @Test
        @DisplayName("a manual renew extends the lock past its original expiry")
        void manualRenewExtends() throws InterruptedException {
            String name = uniqueName();
            Duration expire = timesExpire(4);
            BackendLock holder = new BackendLock(name, backend(), NAMESPACE,
                    settings().withExpire(expire).withAutoRenew(false));
            long start = System.nanoTime();
            holder.acquire();
            Thread.sleep(expire.multipliedBy(6).dividedBy(10).toMillis());
            assertThat(holder.renew()).isTrue();
            long originalExpiry = start + expire.toNanos();
            long now;
            while ((now = System.nanoTime()) - originalExpiry < timesExpire(1).toNanos() / 2) {
                Thread.sleep(Math.max(1, (originalExpiry + timesExpire(1).toNanos() / 2 - now) / 1_000_000));
            }
            // Past the original expiry, well before the renewed one.
            assertThat(otherLock(name).acquire(false)).isFalse();
            assertThat(holder.isHeldByCurrentThread()).isTrue();
            holder.release();
        }
    }

    @Nested
    class MinimumHold {

        @Test
        @DisplayName("a release with a minimum hold keeps others out until it is up, then frees the lock by itself")
        void keptUntilTheMinimumThenReleased() {
            String name = uniqueName();
            Duration expire = timesExpire(3);
            BackendLock holder = new BackendLock(name, backend(), NAMESPACE, settings().withExpire(expire));
            long before = System.nanoTime();
            holder.acquire();

            holder.releaseHeldAtLeast(shortExpire());

            assertThat(holder.isHeldByCurrentThread()).isFalse();
            BackendLock other = otherLock(name);
            assertThat(other.acquire(false)).as("kept for its minimum hold").isFalse();
            awaitOnThisThread().atMost(expire.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> other.acquire(false));
            long heldFor = System.nanoTime() - before;
            assertThat(heldFor).as("not before the minimum").isGreaterThanOrEqualTo(shortExpire().toNanos());
            assertThat(heldFor).as("released by the holder's background, not left to expire")
                    .isLessThan(expire.toNanos());
            other.release();
        }

        @Test
        @DisplayName("a minimum hold that has already passed releases at once, and a nested one only leaves")
        void passedMinimumReleasesAtOnce() throws Exception {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            holder.acquire();
            holder.releaseHeldAtLeast(Duration.ofMinutes(1));
            assertThat(holder.isHeldByCurrentThread()).as("the outer hold remains").isTrue();
            Thread.sleep(20);

            holder.releaseHeldAtLeast(Duration.ofMillis(10));

            BackendLock other = otherLock(name);
            assertThat(other.acquire(false)).isTrue();
            other.release();
        }

        @Test
        @DisplayName("a minimum hold longer than the expiry, or on a lock that never expires, is refused and the lock kept")
        void impossibleMinimumIsRefused() {
            String name = uniqueName();
            BackendLock expiring = new BackendLock(name, backend(), NAMESPACE, settings().withExpire(timesExpire(2)));
            expiring.acquire();
            assertThatThrownBy(() -> expiring.releaseHeldAtLeast(timesExpire(3)))
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining(name)
                    .hasMessageContaining(backend().name()).hasMessageContaining("longer than the lock's expire");
            assertThatThrownBy(() -> expiring.releaseHeldAtLeast(Duration.ofSeconds(-1)))
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining("negative");
            assertThat(expiring.isHeldByCurrentThread()).isTrue();
            expiring.release();

            BackendLock forever = new BackendLock(name, backend(), NAMESPACE, settings().withoutExpiry());
            forever.acquire();
            assertThatThrownBy(() -> forever.releaseHeldAtLeast(Duration.ofSeconds(1)))
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining("never expires");
            assertThat(forever.isHeldByCurrentThread()).isTrue();
            forever.release();
            BackendLock other = otherLock(name);
            assertThat(other.acquire(false)).isTrue();
            other.release();
        }
    }

    @Nested
    class LeaderElections {

        private final List<LeaderElection> started = new CopyOnWriteArrayList<>();

        @AfterEach
        void stopElections() {
            started.forEach(LeaderElection::stop);
        }

        @Test
        @DisplayName("three nodes elect one leader; a stopped leader hands over at once to a greater epoch")
        void oneLeaderAndAnImmediateHandOver() {
            String role = uniqueName();
            List<Node> nodes = List.of(node(role, backend(), settings()), node(role, otherBackend(), settings()),
                    node(role, backend(), settings()));

            awaitOnThisThread().atMost(Duration.ofSeconds(20)).until(() -> leaders(nodes).size() == 1);
            awaitOnThisThread().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> leaders(nodes).size() == 1);
            Node leader = leaders(nodes).get(0);
            long epoch = leader.election.leadership().orElseThrow().epoch();
            long stopped = System.nanoTime();
            leader.election.stop();

            awaitOnThisThread().atMost(Duration.ofSeconds(20))
                    .until(() -> leaders(nodes).size() == 1 && !leaders(nodes).contains(leader));
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("released, not left to expire")
                    .isLessThan(settings().expire().dividedBy(2));
            Node next = leaders(nodes).get(0);
            assertThat(next.election.leadership().orElseThrow().epoch()).isGreaterThan(epoch);
            assertThat(leader.events).containsExactly("granted " + epoch, "revoked " + epoch + " stopped");
            assertThat(leader.election.isLeader()).isFalse();
        }

        @Test
        @DisplayName("a leader cut off from the backend past its expiry is revoked, and another leads with a greater"
                + " epoch")
        void aCutOffLeaderIsReplaced() {
            String role = uniqueName();
            LockSettings settings = settings().withExpire(timesExpire(2));
            CutOff cutOff = new CutOff(backend());
            Node first = node(role, cutOff, settings);
            awaitOnThisThread().atMost(Duration.ofSeconds(20)).until(first.election::isLeader);
            long epoch = first.election.leadership().orElseThrow().epoch();
            Node second = node(role, otherBackend(), settings);

            cutOff.cut = true;

            awaitOnThisThread().atMost(timesExpire(10).plusSeconds(10)).until(second.election::isLeader);
            assertThat(second.election.leadership().orElseThrow().epoch()).isGreaterThan(epoch);
            awaitOnThisThread().atMost(Duration.ofSeconds(10))
                    .until(() -> first.events.contains("revoked " + epoch + " lost"));
            assertThat(first.election.isLeader()).isFalse();
        }

        @Test
        @DisplayName("an election over locks that never expire or are not renewed is refused, naming the role")
        void locksThatCannotElectAreRefused() {
            String role = uniqueName();
            LockRegistry forever = LockRegistry.of(backend(), NAMESPACE, settings().withoutExpiry());
            LockRegistry unrenewed = LockRegistry.of(backend(), NAMESPACE, settings().withAutoRenew(false));

            assertThatThrownBy(() -> LeaderElection.of(forever, role, new Node()))
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining(role)
                    .hasMessageContaining("never expire");
            assertThatThrownBy(() -> LeaderElection.of(unrenewed, role, new Node()))
                    .isInstanceOf(LockConfigurationException.class).hasMessageContaining("auto-renew");
        }

        private Node node(String role, LockBackend on, LockSettings settings) {
            Node node = new Node();
            node.election = LeaderElection.of(LockRegistry.of(on, NAMESPACE, settings), role, node);
            started.add(node.election);
            node.election.start();
            return node;
        }

        private List<Node> leaders(List<Node> nodes) {
            return nodes.stream().filter(node -> node.election.isLeader()).toList();
        }
    }

    /** A node of an election: what its listener was told. */
    private static final class Node implements LeaderListener {

        final List<String> events = new CopyOnWriteArrayList<>();

        LeaderElection election;

        @Override
        public void granted(Leadership leadership) {
            events.add("granted " + leadership.epoch());
        }

        @Override
        public void revoked(Leadership leadership, boolean lost) {
            events.add("revoked " + leadership.epoch() + (lost ? " lost" : " stopped"));
        }
    }

    /** A backend whose every call fails once cut off, as a network partition. */
    private static final class CutOff extends dev.sherlock.spi.ForwardingBackend {

        volatile boolean cut;

        CutOff(LockBackend delegate) {
            super(delegate);
        }

        private void check() {
            if (cut) {
                throw new dev.sherlock.spi.StoreException("connection refused (cut off by the test)");
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

        @Override
        public boolean isLocked(String key) {
            check();
            return super.isLocked(key);
        }

        @Override
        public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait)
                throws InterruptedException {
            check();
            return super.awaitRelease(key, observedVersion, maxWait);
        }

        @Override
        public void close() {
            // The backend under test is closed by the suite.
        }
    }

    @Nested
    class Ownership {

        @Test
        @DisplayName("a stale holder's release after takeover fails and leaves the new holder intact")
        void staleReleaseLeavesNewHolder() {
            String name = uniqueName();
            BackendLock stale = new BackendLock(name, backend(), NAMESPACE, crashingSettings());
            stale.acquire();
            BackendLock next = takeOverAfterExpiry(name);
            assertThat(stale.isHeldByCurrentThread()).isFalse();
            assertThat(stale.holdCount()).as("a lost hold is still to be released").isEqualTo(1);
            assertThatThrownBy(stale::release).isInstanceOf(LockLostException.class)
                    .hasMessageContaining("'" + name + "'");
            assertThat(stale.holdCount()).isZero();
            assertThat(next.isHeldByCurrentThread()).isTrue();
            assertThat(next.locked()).isTrue();
            assertThat(lock(name).acquire(false)).isFalse();
            next.release();
        }

        @Test
        @DisplayName("a stale holder's renew after takeover fails, signals the loss and leaves the new holder intact")
        void staleRenewLeavesNewHolder() {
            String name = uniqueName();
            BackendLock stale = new BackendLock(name, backend(), NAMESPACE, crashingSettings());
            List<String> lost = new CopyOnWriteArrayList<>();
            stale.addListener(new LockListener() {
                @Override
                public void lost(String lockName, LockLostException cause) {
                    lost.add(lockName);
                }
            });
            stale.acquire();
            BackendLock next = takeOverAfterExpiry(name);
            assertThat(stale.renew()).isFalse();
            assertThat(stale.isHeldByCurrentThread()).isFalse();
            assertThat(lost).containsExactly(name);
            assertThat(lock(name).acquire(false)).isFalse();
            assertThat(next.isHeldByCurrentThread()).isTrue();
            next.release();
        }

        @Test
        @DisplayName("renew, release and fencingToken before any acquire fail with LockException")
        void operationsBeforeAcquireFail() {
            BackendLock lock = lock(uniqueName());
            assertThatThrownBy(lock::renew).isInstanceOf(LockException.class).hasMessageContaining("does not hold");
            assertThatThrownBy(lock::release).isInstanceOf(LockException.class).hasMessageContaining("does not hold");
            assertThatThrownBy(lock::fencingToken).isInstanceOf(LockException.class);
        }

        @Test
        @DisplayName("another thread cannot release the holder's lock")
        void nonOwnerReleaseFails() throws Exception {
            BackendLock lock = lock(uniqueName());
            lock.acquire();
            Throwable failure = onOtherThread(() -> {
                try {
                    lock.release();
                    return null;
                }
                catch (LockException ex) {
                    return ex;
                }
            });
            assertThat(failure).isInstanceOf(LockException.class).hasMessageContaining("does not hold");
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            assertThat(lock.locked()).isTrue();
            lock.release();
        }
    }

    @Nested
    class Interrupts {

        @Test
        @DisplayName("a release on an interrupted thread still releases, and keeps the interrupt status")
        void releaseOnInterruptedThread() {
            String name = uniqueName();
            BackendLock lock = new BackendLock(name, backend(), NAMESPACE, settings().withoutExpiry());
            lock.acquire();
            Thread.currentThread().interrupt();
            try {
                lock.release();
            }
            finally {
                assertThat(Thread.interrupted()).isTrue();
            }
            BackendLock other = otherLock(name);
            assertThat(other.acquire(false)).isTrue();
            other.release();
        }

        @Test
        @DisplayName("one attempt and locked() work on an interrupted thread, as java.util.concurrent's tryLock does")
        void oneAttemptOnInterruptedThread() {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            BackendLock other = otherLock(name);
            Thread.currentThread().interrupt();
            try {
                assertThat(other.locked()).isTrue();
                assertThat(other.tryLock()).isFalse();
            }
            finally {
                assertThat(Thread.interrupted()).isTrue();
            }
            holder.release();
        }

        @Test
        @DisplayName("an interrupt ends a blocking wait with LockInterruptedException and the status set")
        void interruptEndsWait() throws Exception {
            String name = uniqueName();
            BackendLock holder = lock(name);
            holder.acquire();
            BackendLock waiter = otherLock(name);
            AtomicReference<Object> outcome = new AtomicReference<>();
            CountDownLatch waiting = new CountDownLatch(1);
            Thread thread = new Thread(() -> {
                waiting.countDown();
                try {
                    outcome.set(waiter.tryAcquire(Duration.ofMinutes(1)));
                }
                catch (LockInterruptedException ex) {
                    outcome.set(Thread.currentThread().isInterrupted() ? ex : "interrupt status not set");
                }
            });
            thread.start();
            waiting.await();
            Thread.sleep(300);
            thread.interrupt();
            thread.join(TimeUnit.MINUTES.toMillis(1));
            assertThat(outcome.get()).isInstanceOf(LockInterruptedException.class);
            assertThat(((LockInterruptedException) outcome.get()).getMessage()).contains("'" + name + "'");
            assertThat(holder.isHeldByCurrentThread()).isTrue();
            holder.release();
        }
    }

    @Nested
    class Reentrancy {

        @Test
        @DisplayName("the holding thread re-enters, and the lock is released with the last release")
        void reentrantHoldCount() throws Exception {
            String name = uniqueName();
            BackendLock lock = lock(name);
            lock.acquire();
            long token = lock.fencingToken();
            assertThat(lock.acquire(false)).isTrue();
            assertThat(lock.fencingToken()).isEqualTo(token);
            assertThat(lock.holdCount()).isEqualTo(2);
            lock.release();
            assertThat(lock.isHeldByCurrentThread()).isTrue();
            assertThat(lock.holdCount()).isEqualTo(1);
            assertThat(otherLock(name).acquire(false)).isFalse();
            assertThat(onOtherThread(lock::holdCount)).as("holds belong to threads").isZero();
            lock.release();
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThat(lock.holdCount()).isZero();
            BackendLock other = otherLock(name);
            assertThat(other.acquire(false)).isTrue();
            other.release();
        }

        @Test
        @DisplayName("registry handles of one name share the hold, so nested use re-enters")
        void registryHandlesShareHold() throws Exception {
            String name = uniqueName();
            LockRegistry registry = LockRegistry.of(backend(), NAMESPACE, settings());
            Lock outer = registry.getLock(name);
            outer.acquire();
            Lock inner = registry.getLock(name);
            assertThat(inner.acquire(false)).isTrue();
            assertThat(inner.fencingToken()).isEqualTo(outer.fencingToken());
            inner.release();
            assertThat(outer.isHeldByCurrentThread()).isTrue();
            assertThat(onOtherThread(() -> registry.getLock(name).acquire(false))).isFalse();
            outer.release();
            assertThat(onOtherThread(() -> {
                Lock lock = registry.getLock(name);
                boolean acquired = lock.acquire(false);
                lock.release();
                return acquired;
            })).isTrue();
        }

        @Test
        @DisplayName("a registry keeps no state for names nobody holds or waits for")
        void registryForgetsIdleNames() {
            LockRegistry registry = LockRegistry.of(backend(), NAMESPACE, settings());
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                registry.executeLocked(uniqueName(), () -> {
                });
                String name = uniqueName();
                assertThat(registry.getLock(name).acquire(false)).isTrue();
                names.add(name);
            }
            BackendLockRegistry states = (BackendLockRegistry) registry;
            assertThat(states.liveStates()).isEqualTo(20);
            // Releasing through a fresh handle of the same name releases the shared hold.
            names.forEach(name -> registry.getLock(name).release());
            assertThat(states.liveStates()).isZero();
        }
    }

    @Nested
    class Fencing {

        @Test
        @DisplayName("tokens strictly increase across handles, re-acquisitions and takeovers")
        void tokensIncrease() {
            String name = uniqueName();
            List<Long> tokens = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                BackendLock lock = i % 2 == 0 ? lock(name) : otherLock(name);
                lock.acquire();
                tokens.add(lock.fencingToken());
                lock.release();
            }
            BackendLock crashed = new BackendLock(name, backend(), NAMESPACE, crashingSettings());
            crashed.acquire();
            tokens.add(crashed.fencingToken());
            BackendLock next = takeOverAfterExpiry(name);
            tokens.add(next.fencingToken());
            next.release();
            assertThat(tokens).isSorted().doesNotHaveDuplicates().allMatch(token -> token > 0);
        }

        @Test
        @DisplayName("listeners see each acquisition's token and each release")
        void listenersSeeAcquireAndRelease() {
            String name = uniqueName();
            LockRegistry registry = LockRegistry.of(backend(), NAMESPACE, settings());
            List<String> events = new CopyOnWriteArrayList<>();
            registry.addListener(new LockListener() {
                @Override
                public void acquired(String lockName, long fencingToken) {
                    events.add("acquired " + lockName + " " + fencingToken);
                }

                @Override
                public void released(String lockName) {
                    events.add("released " + lockName);
                }
            });
            Lock lock = registry.getLock(name);
            lock.acquire();
            long token = lock.fencingToken();
            lock.release();
            assertThat(events).containsExactly("acquired " + name + " " + token, "released " + name);
        }
    }

    @Nested
    class BackendAnswers {

        @Test
        @DisplayName("a wait answers 'try again' after a release: 'still held' never hides one")
        void aWaitSeesTheRelease() throws Exception {
            assertWaitSeesTheRelease(false);
        }

        @Test
        @DisplayName("a waiter in line, waiting as itself, is told to try again after the release, or handed the lock")
        void aWaiterInLineSeesTheRelease() throws Exception {
            assertWaitSeesTheRelease(true);
        }

        /**
         * Releases a held lock while another backend waits for it, and checks the wait saw it and the waiter gets in;
         * {@code inLine}: the waiter attempts and waits as the core does (in line, waiting as itself), so a backend
         * may hand it the lock, which it then holds with a larger token.
         */
        private void assertWaitSeesTheRelease(boolean inLine) throws Exception {
            LockBackend backend = backend();
            String key = backend.key(NAMESPACE, uniqueName());
            AcquireResult held = backend.tryAcquire(key, "holder", Duration.ofMinutes(1));
            assertThat(held.acquired()).isTrue();
            Duration wait = Duration.ofSeconds(3);
            AcquireResult refused = inLine ? otherBackend().tryAcquire(key, "waiter", Duration.ofMinutes(1), wait)
                    : otherBackend().tryAcquire(key, "waiter", Duration.ofMinutes(1));
            assertThat(refused.acquired()).isFalse();
            if (inLine) {
                // Long enough to starve where a backend serves waiters in turn: the release may reserve for it.
                Thread.sleep(50);
            }
            CountDownLatch waiting = new CountDownLatch(1);
            Future<WaitOutcome> outcome = executor.submit(() -> {
                waiting.countDown();
                return inLine ? otherBackend().awaitRelease(key, "waiter", refused.observedVersion(), wait)
                        : otherBackend().awaitRelease(key, refused.observedVersion(), wait);
            });
            waiting.await();
            assertThat(backend.release(key, "holder")).isTrue();
            WaitOutcome seen = outcome.get(1, TimeUnit.MINUTES);
            assertThat(seen.mayBeFree() || seen.acquired()).as("told to try again, or handed the lock").isTrue();
            if (seen.acquired()) {
                assertThat(refused.inLine()).as("only a waiter its attempt put in line is handed the lock").isTrue();
                assertThat(seen.fencingToken()).isGreaterThan(held.fencingToken());
                assertThat(seen.validFor()).as("never longer than asked for").isPositive()
                        .isLessThanOrEqualTo(Duration.ofMinutes(1));
                assertThat(backend.tryAcquire(key, "latecomer", Duration.ofMinutes(1)).acquired()).isFalse();
            }
            AcquireResult again = otherBackend().tryAcquire(key, "waiter", Duration.ofMinutes(1));
            assertThat(again.acquired()).isTrue();
            if (seen.acquired()) {
                assertThat(again.fencingToken()).as("the handed-over hold's own token").isEqualTo(seen.fencingToken());
            }
            assertThat(otherBackend().release(key, "waiter")).isTrue();
        }

        @Test
        @DisplayName("renewing many locks at once answers for each as renewing it alone would, and renews them")
        void renewAllAnswersForEachLock() throws Exception {
            LockBackend backend = backend();
            Duration expire = shortExpire();
            String mine = backend.key(NAMESPACE, uniqueName());
            String theirs = backend.key(NAMESPACE, uniqueName());
            String free = backend.key(NAMESPACE, uniqueName());
            assertThat(backend.tryAcquire(mine, "holder", expire).acquired()).isTrue();
            assertThat(otherBackend().tryAcquire(theirs, "other", Duration.ofMinutes(1)).acquired()).isTrue();
            long sent = System.nanoTime();
            assertThat(backend.renewAll(List.of(new HeldKey(mine, "holder", Duration.ofMinutes(1)),
                    new HeldKey(theirs, "holder", Duration.ofMinutes(1)),
                    new HeldKey(free, "holder", Duration.ofMinutes(1))))).containsExactly(true, false, false);
            // Renewed to a minute: still held after the short expiry it was acquired with has passed.
            TimeUnit.NANOSECONDS.sleep(Math.max(0, sent + expire.toNanos() * 3 / 2 - System.nanoTime()));
            assertThat(otherBackend().isLocked(mine)).isTrue();
            assertThat(otherBackend().isLocked(free)).isFalse();
            assertThat(backend.release(mine, "holder")).isTrue();
            assertThat(otherBackend().release(theirs, "other")).isTrue();
        }

        @Test
        @DisplayName("a lock lives at least as long as the acquire answer says, from when it was sent")
        void validityIsNeverLongerThanTheStoreKeepsTheLock() throws Exception {
            LockBackend backend = backend();
            String key = backend.key(NAMESPACE, uniqueName());
            Duration expire = shortExpire();
            long sent = System.nanoTime();
            AcquireResult acquired = backend.tryAcquire(key, "holder", expire);
            assertThat(acquired.acquired()).isTrue();
            Duration valid = acquired.validFor() == null ? expire : acquired.validFor();
            assertThat(valid).isLessThanOrEqualTo(expire);
            // Just before the end of the promised validity (less the core's margin), the store still holds it.
            long promisedEnd = sent + valid.toNanos() - valid.toNanos() / 100 - TimeUnit.MILLISECONDS.toNanos(2);
            long checkAt = promisedEnd - TimeUnit.MILLISECONDS.toNanos(50);
            TimeUnit.NANOSECONDS.sleep(Math.max(0, checkAt - System.nanoTime()));
            assertThat(otherBackend().isLocked(key)).isTrue();
            assertThat(otherBackend().tryAcquire(key, "other", expire).acquired()).isFalse();
            backend.release(key, "holder");
        }
    }

    @Nested
    class Faults extends LockBackendFaultContract {

        Faults() {
            super(LockBackendContractTests.this);
        }
    }

    @Nested
    class Lifecycle {

        /**
         * JVM-wide threads that end when no work is pending, whoever's, and the lanes of other tests' standalone
         * handles: not this backend's to end.
         */
        private static final List<String> SHARED = List.of("sherlock-timer-", "sherlock-watchdog-");

        private static boolean shared(Thread thread) {
            return SHARED.stream().anyMatch(thread.getName()::startsWith) || thread.getName().contains("-handles-");
        }

        @Test
        @DisplayName("closing registries and their backend ends every thread they started")
        void closingEndsThreads() throws Exception {
            Set<Thread> before = TestThreads.sherlockThreads();
            LockBackend fresh = createBackend();
            LockSettings renewing = settings().withExpire(shortExpire());
            LockRegistry registry = LockRegistry.of(fresh, NAMESPACE, renewing);
            LockRegistry otherProcess = LockRegistry.of(fresh, NAMESPACE, renewing);
            String name = uniqueName();
            Lock held = registry.getLock(name);
            held.acquire();
            Future<Long> waiter = executor.submit(() -> {
                Lock lock = otherProcess.getLock(name);
                lock.acquire();
                long token = lock.fencingToken();
                lock.release();
                return token;
            });
            // Held past a renewal, while the other waits for the release on the backend.
            Thread.sleep(shortExpire().toMillis() / 2);
            assertThat(held.renew()).isTrue();
            held.release();
            assertThat(waiter.get(1, TimeUnit.MINUTES)).isGreaterThan(0);
            assertThat(TestThreads.sherlockThreads()).filteredOn(thread -> !before.contains(thread) && !shared(thread))
                    .as("threads the registries and the backend started").isNotEmpty();

            registry.close();
            otherProcess.close();
            fresh.close();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(TestThreads.sherlockThreads())
                    .filteredOn(thread -> !before.contains(thread))
                    .filteredOn(thread -> !shared(thread))
                    .as("threads left by the backend").isEmpty());
        }
    }

    @Nested
    class Validation {

        @Test
        @DisplayName("an empty name fails with a message naming the field and the backend")
        void emptyName() {
            assertThatThrownBy(() -> lock("")).isInstanceOf(LockConfigurationException.class)
                    .hasMessageContaining("'name' must not be empty").hasMessageContaining(backend().name());
        }

        @Test
        @DisplayName("a name with an unpaired surrogate fails instead of sharing a key")
        void unpairedSurrogate() {
            assertThatThrownBy(() -> lock("orders\uD800")).isInstanceOf(LockConfigurationException.class)
                    .hasMessageContaining("unpaired surrogate");
        }
    }
}
