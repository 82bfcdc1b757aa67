package dev.sherlock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import dev.sherlock.file.FileBackend;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.TestServers;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A thousand virtual threads waiting on one contended lock, in this JVM's queue and on the backend, leave the carrier
 * threads free: another virtual thread still runs at once, and every waiter gets the lock in turn. Java 21+ only: the
 * test script runs this class on a JDK 21+ (the default run leaves it out).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VirtualThreadTests {

    /** Waiters queued in this JVM behind one of them, which waits on the backend. */
    private static final int QUEUED = 1000;

    /**
     * Waiters each with a handle of its own, all waiting on the backend: every release wakes them all (a thundering
     * herd of attempts), so fewer.
     */
    private static final int ON_BACKEND = 100;

    @TempDir
    static Path directory;

    @BeforeAll
    static void requireVirtualThreads() {
        assertThat(Runtime.version().feature()).as("this class needs Java 21+ (run it with a JDK 21+)")
                .isGreaterThanOrEqualTo(21);
    }

    @ParameterizedTest(name = "{0}, one registry")
    @ValueSource(strings = { "file", "redis" })
    void aThousandVirtualThreadsQueuedOnOneRegistryLeaveTheCarriersFree(String kind) throws Exception {
        try (Fixture fixture = new Fixture(kind)) {
            LockRegistry registry = LockRegistry.of(fixture.backend, null, settings());
            contend(name -> registry.getLock(name), QUEUED);
            registry.close();
        }
    }

    @ParameterizedTest(name = "{0}, a handle each")
    @ValueSource(strings = { "file", "redis" })
    void aThousandVirtualThreadsWaitingOnTheBackendLeaveTheCarriersFree(String kind) throws Exception {
        try (Fixture fixture = new Fixture(kind)) {
            contend(name -> new BackendLock(name, fixture.backend, null, settings()), ON_BACKEND);
        }
    }

    private static LockSettings settings() {
        return LockSettings.defaults().withTimeout(Duration.ofMinutes(2)).withRetryInterval(Duration.ofSeconds(5));
    }

    /**
     * Holds the lock while {@code count} virtual threads start waiting for it, checks that a further virtual thread
     * runs meanwhile, then lets them all through one by one.
     */
    private static void contend(Function<String, Lock> locks, int count) throws Exception {
        String name = "virtual-" + System.nanoTime();
        Lock first = locks.apply(name);
        first.acquire();
        long firstToken = first.fencingToken();
        AtomicInteger started = new AtomicInteger();
        int[] unguarded = new int[1];
        List<Future<Long>> waiters = new ArrayList<>();
        ExecutorService virtual = TestThreads.virtualThreadPerTask();
        try {
            for (int i = 0; i < count; i++) {
                waiters.add(virtual.submit(() -> {
                    assertThat(TestThreads.isVirtual(Thread.currentThread())).isTrue();
                    Lock lock = locks.apply(name);
                    started.incrementAndGet();
                    lock.acquire();
                    try {
                        unguarded[0]++;
                        return lock.fencingToken();
                    }
                    finally {
                        lock.release();
                    }
                }));
            }
            while (started.get() < count) {
                Thread.sleep(10);
            }
            Thread.sleep(500);

            long probeStart = System.nanoTime();
            assertThat(virtual.submit(() -> "ran").get(10, TimeUnit.SECONDS))
                    .as("a virtual thread runs while %s wait", count).isEqualTo("ran");
            assertThat(Duration.ofNanos(System.nanoTime() - probeStart)).isLessThan(Duration.ofSeconds(5));
            assertThat(unguarded[0]).as("nobody got in while it was held").isZero();

            first.release();
            List<Long> tokens = new ArrayList<>();
            for (Future<Long> waiter : waiters) {
                tokens.add(waiter.get(2, TimeUnit.MINUTES));
            }
            assertThat(tokens).hasSize(count).doesNotHaveDuplicates().allMatch(token -> token > firstToken);
        }
        finally {
            virtual.shutdownNow();
        }
        assertThat(unguarded[0]).as("each waiter incremented once, one at a time").isEqualTo(count);
    }

    /** A backend of the kind under test, and what it needs closed after it. */
    private static final class Fixture implements AutoCloseable {

        final LockBackend backend;

        private final @Nullable LettuceConnectionFactory factory;

        Fixture(String kind) {
            if (kind.equals("file")) {
                factory = null;
                backend = FileBackend.of(directory);
                return;
            }
            var server = TestServers.redis();
            factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(server.host(), server.port()));
            factory.afterPropertiesSet();
            factory.start();
            backend = RedisBackend.of(factory);
        }

        @Override
        public void close() {
            backend.close();
            if (factory != null) {
                factory.destroy();
            }
        }
    }
}
