package dev.sherlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What a {@link LockObserver} is told: each acquire that is not reentrant once with its outcome, each hold once with
 * how it ended, each renewal with its outcome; and an observer that misbehaves never breaks a lock.
 */
class LockObserverTests {

    private static final LockSettings QUICK = LockSettings.defaults().withRetryInterval(Duration.ofMillis(20));

    private final InMemoryBackend backend = new InMemoryBackend();

    private final Recorder recorder = new Recorder();

    private LockRegistry registry(LockBackend on) {
        LockRegistry registry = LockRegistry.of(on, null, QUICK);
        registry.setObserver(recorder);
        return registry;
    }

    @Test
    void anAcquireAndItsReleaseAreOneAcquireAndOneHold() {
        Lock lock = registry(backend).getLock("orders");

        lock.acquire();
        long token = lock.fencingToken();
        lock.release();

        assertThat(recorder.events).containsExactly("acquire orders memory", "acquired " + token, "released");
    }

    @Test
    void reentrantAcquiresAndReleasesAreNotObserved() {
        Lock lock = registry(backend).getLock("nested");

        lock.acquire();
        lock.acquire();
        lock.release();
        lock.release();

        assertThat(recorder.events).hasSize(3).endsWith("released");
    }

    @Test
    void aSingleRefusedAttemptIsNotAcquiredAndAWaitThatRunsOutIsATimeout() throws Exception {
        LockRegistry registry = registry(backend);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            Lock lock = registry.getLock("busy");
            lock.acquire();
            held.countDown();
            try {
                done.await(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            lock.release();
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        recorder.events.clear();
        BackendLock otherProcess = new BackendLock("busy", backend, null, QUICK);
        otherProcess.setObserver(recorder);

        assertThat(registry.getLock("busy").tryLock()).isFalse();
        assertThat(registry.getLock("busy").tryAcquire(Duration.ofMillis(50))).isFalse();
        assertThat(otherProcess.tryLock()).isFalse();
        assertThat(otherProcess.tryAcquire(Duration.ofMillis(100))).isFalse();
        done.countDown();
        holder.get(10, TimeUnit.SECONDS);

        assertThat(recorder.events).containsExactly("acquire busy memory", "not acquired",
                "acquire busy memory", "timeout", "acquire busy memory", "not acquired", "acquire busy memory",
                "timeout", "released");
    }

    @Test
    void anAcquireTheBackendFailsEndsAsFailedWithWhatTheCallerGets() {
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public dev.sherlock.spi.AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                throw new IllegalStateException("connection refused");
            }
        };
        Lock lock = registry(failing).getLock("down");

        assertThatThrownBy(lock::tryLock).isInstanceOf(LockBackendException.class);

        assertThat(recorder.events).hasSize(2).first().isEqualTo("acquire down memory");
        assertThat(recorder.events.get(1))
                .startsWith("failed LockBackendException: Lock 'down' (backend memory): acquire failed: java.lang.IllegalStateException: connection refused");
    }

    @Test
    void renewalsAreObservedAndALossEndsTheHoldOnce() {
        Lock lock = registry(backend).getLock("evicted", QUICK.withExpire(Duration.ofMillis(300)));
        lock.acquire();
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.contains("renewed"));

        backend.evict("evicted");
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.contains("lost"));
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);

        List<String> events = recorder.events;
        assertThat(events.subList(0, 2)).containsExactly("acquire evicted memory", "acquired " + firstToken());
        assertThat(events.subList(2, events.size())).containsSubsequence("renew", "renewed", "renew", "renew lost",
                "lost").endsWith("lost").doesNotContain("released", "release failed");
        assertThat(events.stream().filter(event -> event.equals("lost"))).hasSize(1);
    }

    @Test
    void aRenewalUnderWayWhenTheLockIsReleasedStillEnds() throws Exception {
        CountDownLatch renewing = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        LockBackend slowRenewals = new ForwardingBackend(backend) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                renewing.countDown();
                try {
                    answer.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return super.renew(key, owner, expire);
            }
        };
        Lock lock = registry(slowRenewals).getLock("raced", QUICK.withExpire(Duration.ofMillis(600)));
        lock.acquire();
        assertThat(renewing.await(10, TimeUnit.SECONDS)).isTrue();

        lock.release();
        answer.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.size() == 5);
        assertThat(recorder.events.subList(2, 5)).containsExactly("renew", "released", "renewed");
    }

    @Test
    void anExplicitRenewIsObserved() {
        Lock lock = registry(backend).getLock("manual", QUICK.withAutoRenew(false));
        lock.acquire();

        assertThat(lock.renew()).isTrue();
        lock.release();

        assertThat(recorder.events).containsExactly("acquire manual memory", "acquired " + firstToken(), "renew",
                "renewed", "released");
    }

    @Test
    void aReleaseTheBackendFailsEndsTheHoldAsReleaseFailed() {
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public boolean release(String key, String owner) {
                throw new IllegalArgumentException("refused by the client");
            }
        };
        Lock lock = registry(failing).getLock("stuck");
        lock.acquire();

        assertThatThrownBy(lock::release).isInstanceOf(LockBackendException.class);

        assertThat(recorder.events).hasSize(3).last().asString()
                .startsWith("release failed LockBackendException: Lock 'stuck' (backend memory): release failed");
    }

    @Test
    void anObserverThatThrowsOrAnswersNullNeverBreaksTheLock() {
        LockRegistry throwing = LockRegistry.of(backend, null, QUICK);
        throwing.setObserver((name, backendName) -> {
            throw new IllegalStateException("observer bug");
        });
        LockRegistry answeringNull = LockRegistry.of(backend, null, QUICK);
        answeringNull.setObserver((name, backendName) -> null);
        LockRegistry throwingLater = LockRegistry.of(backend, null, QUICK);
        throwingLater.setObserver((name, backendName) -> new LockObserver.Acquiring() {
            @Override
            public LockObserver.Holding acquired(long fencingToken) {
                throw new IllegalStateException("observer bug");
            }

            @Override
            public void notAcquired(boolean timedOut) {
                throw new IllegalStateException("observer bug");
            }

            @Override
            public void failed(RuntimeException error) {
                throw new IllegalStateException("observer bug");
            }
        });

        for (LockRegistry registry : List.of(throwing, answeringNull, throwingLater)) {
            Lock lock = registry.getLock("sturdy");
            lock.acquire();
            assertThat(lock.renew()).isTrue();
            lock.release();
            assertThat(backend.isLocked(backend.key(null, "sturdy"))).isFalse();
        }
    }

    @Test
    void anObserverThatThrowsALinkageErrorNeverBreaksTheLock() {
        LockRegistry registry = LockRegistry.of(backend, null, QUICK);
        // e.g. a tracing bridge built against another version of its library
        registry.setObserver((name, backendName) -> new FailingAcquiring(new NoSuchMethodError("Span.foo()")));
        Lock lock = registry.getLock("linked");

        assertThat(lock.tryLock()).isTrue();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        lock.release();

        assertThat(backend.isLocked(backend.key(null, "linked"))).isFalse();
    }

    @Test
    void aJvmErrorBetweenTheBackendsYesAndTheHoldGivesTheLockBack() throws Exception {
        LockRegistry registry = LockRegistry.of(backend, null, QUICK.withExpire(null));
        registry.setObserver((name, backendName) -> new FailingAcquiring(new StackOverflowError()));
        Lock lock = registry.getLock("stranded");

        assertThatThrownBy(lock::tryLock).isInstanceOf(StackOverflowError.class);

        assertThat(lock.isHeldByCurrentThread()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> !backend.isLocked(backend.key(null, "stranded")));
        registry.setObserver(LockObserver.NONE);
        assertThat(CompletableFuture.supplyAsync(() -> {
            Lock other = registry.getLock("stranded");
            boolean acquired = other.tryLock();
            other.release();
            return acquired;
        }).get(10, TimeUnit.SECONDS)).as("free for another thread").isTrue();
    }

    @Test
    void aJvmErrorFromTheBackendEndsTheAcquireAndReachesTheCallerAsItIs() {
        boolean[] broken = {true};
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public dev.sherlock.spi.AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                if (broken[0]) {
                    throw new NoClassDefFoundError("io/lettuce/core/SetArgs");
                }
                return super.tryAcquire(key, owner, expire);
            }
        };
        Lock lock = registry(failing).getLock("linkage");

        assertThatThrownBy(lock::tryLock).isInstanceOf(NoClassDefFoundError.class);
        assertThat(recorder.events).containsExactly("acquire linkage memory", "failed LockBackendException: Lock"
                + " 'linkage' (backend memory): acquire failed: java.lang.NoClassDefFoundError: io/lettuce/core/SetArgs");

        broken[0] = false;
        assertThat(lock.tryLock()).as("the thread can acquire again").isTrue();
        lock.release();
    }

    @Test
    void aJvmErrorFromTheBackendsReleaseEndsTheHoldAndReleasesInTheBackground() {
        boolean[] broken = {true};
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public boolean release(String key, String owner) {
                if (broken[0]) {
                    broken[0] = false;
                    throw new NoClassDefFoundError("io/lettuce/core/ScriptOutputType");
                }
                return super.release(key, owner);
            }
        };
        Lock lock = registry(failing).getLock("half-released", QUICK.withExpire(null));
        lock.acquire();

        assertThatThrownBy(lock::release).isInstanceOf(NoClassDefFoundError.class);

        assertThat(recorder.events).hasSize(3).last().asString().startsWith("release failed LockBackendException:"
                + " Lock 'half-released' (backend memory): release failed: java.lang.NoClassDefFoundError");
        await().atMost(Duration.ofSeconds(5)).until(() -> !backend.isLocked(backend.key(null, "half-released")));
    }

    @Test
    void aJvmErrorFromABackgroundRenewalEndsItAndTheHoldAsLost() {
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                throw new NoClassDefFoundError("io/lettuce/core/ScriptOutputType");
            }
        };
        Lock lock = registry(failing).getLock("unrenewable", QUICK.withExpire(Duration.ofSeconds(30)));
        lock.acquire();

        await().atMost(Duration.ofSeconds(20)).until(() -> recorder.events.contains("lost"));

        assertThat(recorder.events.subList(2, recorder.events.size()))
                .containsExactly("renew", "renew failed LockBackendException", "lost");
        assertThat(lock.isHeldByCurrentThread()).isFalse();
        assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
    }

    @Test
    void aJvmErrorFromAnExplicitRenewEndsTheRenewal() {
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                throw new NoClassDefFoundError("io/lettuce/core/ScriptOutputType");
            }
        };
        Lock lock = registry(failing).getLock("manual", QUICK.withAutoRenew(false));
        lock.acquire();

        assertThatThrownBy(lock::renew).isInstanceOf(NoClassDefFoundError.class);
        lock.release();

        assertThat(recorder.events.subList(2, recorder.events.size()))
                .containsExactly("renew", "renew failed LockBackendException", "released");
    }

    @Test
    void observingNothingAgainStopsTheObservations() {
        LockRegistry registry = registry(backend);
        registry.setObserver(LockObserver.NONE);

        registry.executeLocked("quiet", () -> { });

        assertThat(recorder.events).isEmpty();
    }

    private long firstToken() {
        return Long.parseLong(recorder.events.get(1).substring("acquired ".length()));
    }

    /** Throws {@code error} when told the lock was acquired. */
    private record FailingAcquiring(Error error) implements LockObserver.Acquiring {

        @Override
        public LockObserver.Holding acquired(long fencingToken) {
            throw error;
        }

        @Override
        public void notAcquired(boolean timedOut) {
        }

        @Override
        public void failed(RuntimeException failure) {
        }
    }

    /** Writes down every call it gets, in order. */
    private static final class Recorder implements LockObserver {

        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public Acquiring acquireStarted(String name, String backend) {
            events.add("acquire " + name + " " + backend);
            return new Acquiring() {
                @Override
                public Holding acquired(long fencingToken) {
                    events.add("acquired " + fencingToken);
                    return new RecordedHold();
                }

                @Override
                public void notAcquired(boolean timedOut) {
                    events.add(timedOut ? "timeout" : "not acquired");
                }

                @Override
                public void failed(RuntimeException error) {
                    events.add("failed " + error.getClass().getSimpleName() + ": " + error.getMessage());
                }
            };
        }

        private final class RecordedHold implements Holding {

            @Override
            public Renewing renewStarted() {
                events.add("renew");
                return new Renewing() {
                    @Override
                    public void renewed() {
                        events.add("renewed");
                    }

                    @Override
                    public void lost() {
                        events.add("renew lost");
                    }

                    @Override
                    public void failed(RuntimeException error) {
                        events.add("renew failed " + error.getClass().getSimpleName());
                    }
                };
            }

            @Override
            public void released() {
                events.add("released");
            }

            @Override
            public void lost(LockLostException cause) {
                events.add("lost");
            }

            @Override
            public void releaseFailed(RuntimeException error) {
                events.add("release failed " + error.getClass().getSimpleName() + ": " + error.getMessage());
            }
        }
    }
}
