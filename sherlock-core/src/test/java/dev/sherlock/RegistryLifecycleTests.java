package dev.sherlock;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A registry's background work belongs to it: renewals run on its own threads or on the executor it was given, and
 * closing it drops its pending work and ends its threads, leaving the caller's executor running.
 */
class RegistryLifecycleTests {

    private static final LockSettings SHORT = LockSettings.defaults().withExpire(Duration.ofMillis(300))
            .withRetryInterval(Duration.ofMillis(20));

    private final InMemoryBackend store = new InMemoryBackend();

    /** Counts renewals and remembers the threads they ran on. */
    private final Set<String> renewalThreads = ConcurrentHashMap.newKeySet();

    private final AtomicInteger renewals = new AtomicInteger();

    private final LockBackend backend = new ForwardingBackend(store) {
        @Override
        public String name() {
            return "lifecycle";
        }

        @Override
        public boolean renew(String key, String owner, @Nullable Duration expire) {
            renewalThreads.add(Thread.currentThread().getName());
            renewals.incrementAndGet();
            return super.renew(key, owner, expire);
        }
    };

    @Test
    void closingARegistryDropsItsRenewalsEndsItsThreadsAndRefusesNewLocks() {
        LockRegistry registry = LockRegistry.of(backend, null, SHORT);
        Lock lock = registry.getLock("closing");
        lock.acquire();
        await().atMost(Duration.ofSeconds(10)).until(() -> renewals.get() >= 2);
        assertThat(renewalThreads).allMatch(name -> name.startsWith("sherlock-lifecycle-"));

        registry.close();
        int afterClose = renewals.get();

        await().atMost(Duration.ofSeconds(10)).until(() -> liveThreads(renewalThreads) == 0);
        await().pollDelay(Duration.ofMillis(400)).until(() -> true);
        assertThat(renewals.get()).as("no renewal after close (one may have been under way)")
                .isLessThanOrEqualTo(afterClose + 1);
        assertThatThrownBy(() -> registry.getLock("other")).isInstanceOf(LockException.class)
                .hasMessageContaining("is closed");
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return lock.tryLock() ? "acquired" : "refused";
            }
            catch (LockException ex) {
                return ex.getMessage();
            }
        }).join()).contains("is closed");
        // Not renewed since the close: it expired, and the holder is told so.
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
    }

    @Test
    void aRegistryGivenAnExecutorRenewsOnItAndLeavesItRunningWhenClosed() {
        ExecutorService executor = Executors.newCachedThreadPool(task -> new Thread(task, "application-task"));
        try {
            LockRegistry registry = LockRegistry.of(backend, null, SHORT, executor);
            Lock lock = registry.getLock("on-executor");
            lock.acquire();
            await().atMost(Duration.ofSeconds(10)).until(() -> renewals.get() >= 2);
            lock.release();

            registry.close();

            assertThat(renewalThreads).containsExactly("application-task");
            assertThat(executor.isShutdown()).isFalse();
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aRenewalTheExecutorRefusesIsOfferedAgainSoTheHoldLives() {
        ExecutorService executor = Executors.newCachedThreadPool(task -> new Thread(task, "application-task"));
        AtomicInteger offered = new AtomicInteger();
        Executor refusingFirst = task -> {
            if (offered.incrementAndGet() == 1) {
                throw new RejectedExecutionException("queue full");
            }
            executor.execute(task);
        };
        try {
            LockRegistry registry = LockRegistry.of(backend, null, SHORT, refusingFirst);
            Lock lock = registry.getLock("refused-once");
            lock.acquire();

            await().pollDelay(Duration.ofMillis(600)).atMost(Duration.ofSeconds(10)).until(() -> renewals.get() >= 2);
            assertThat(lock.isHeldByCurrentThread()).as("held past its 300 ms expiry").isTrue();
            assertThat(offered.get()).isGreaterThan(1);
            lock.release();
            registry.close();
        }
        finally {
            executor.shutdownNow();
        }
    }

    @Test
    void twoRegistriesOnOneBackendCloseIndependently() {
        LockRegistry closed = LockRegistry.of(backend, null, SHORT);
        LockRegistry open = LockRegistry.of(backend, null, SHORT);
        closed.close();

        Lock lock = open.getLock("still-open");
        lock.acquire();
        int before = renewals.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> renewals.get() >= before + 2);
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.release();
        open.close();
    }

    private static long liveThreads(Set<String> names) {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> names.contains(thread.getName()))
                .count();
    }
}
