package dev.sherlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Errors of the JVM on every path: a lock is never stranded, observers and listeners are told each ending once. */
class LockErrorPathTests {

    private static final LockSettings QUICK = LockSettings.defaults().withRetryInterval(Duration.ofMillis(20));

    private final InMemoryBackend backend = new InMemoryBackend();

    private final List<String> events = new CopyOnWriteArrayList<>();

    @Test
    void anErrorFromTryAcquireAfterTheServerAppliedItDoesNotStrandTheLock() {
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                super.tryAcquire(key, owner, expire);
                throw new NoClassDefFoundError("io/lettuce/core/output/StatusOutput");
            }
        };
        LockRegistry registry = LockRegistry.of(failing, null, QUICK.withExpire(null));
        Lock lock = registry.getLock("applied");

        assertThatThrownBy(lock::tryLock).isInstanceOf(NoClassDefFoundError.class);

        await().atMost(Duration.ofSeconds(5)).until(() -> !backend.isLocked(backend.key(null, "applied")));
    }

    @Test
    void anErrorFromTheMinimumHoldRenewEndsTheHoldObservation() {
        LockBackend failing = new ForwardingBackend(backend) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                throw new NoClassDefFoundError("io/lettuce/core/ScriptOutputType");
            }
        };
        LockRegistry registry = LockRegistry.of(failing, null, QUICK);
        registry.setObserver((name, backendName) -> new LockObserver.Acquiring() {
            @Override
            public LockObserver.Holding acquired(long fencingToken) {
                events.add("acquired");
                return new LockObserver.Holding() {
                    @Override
                    public LockObserver.Renewing renewStarted() {
                        return Observers.NONE;
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
                        events.add("release failed");
                    }
                };
            }

            @Override
            public void notAcquired(boolean timedOut) {
            }

            @Override
            public void failed(RuntimeException error) {
            }
        });
        Lock lock = registry.getLock("kept", QUICK.withExpire(Duration.ofSeconds(10)));
        lock.acquire();

        try {
            lock.releaseHeldAtLeast(Duration.ofSeconds(10));
        }
        catch (NoClassDefFoundError ex) {
            // currently thrown; either way the hold's observation must end
        }

        assertThat(lock.holdCount()).isZero();
        assertThat(events).as("the hold's observation ended once").hasSize(2);
    }

    @Test
    void aListenerThatThrowsALinkageErrorNeitherBreaksTheLockNorIsLeftWithAnUnendedHold() {
        LockRegistry registry = LockRegistry.of(backend, null, QUICK);
        registry.addListener(new LockListener() {
            @Override
            public void acquired(String name, long fencingToken) {
                events.add("acquired");
                throw new NoSuchMethodError("Tracer.foo()");
            }

            @Override
            public void released(String name) {
                events.add("released");
            }

            @Override
            public void lost(String name, LockLostException cause) {
                events.add("lost");
            }
        });
        Lock lock = registry.getLock("listened");

        Throwable thrown = null;
        try {
            lock.tryLock();
        }
        catch (Throwable ex) {
            thrown = ex;
        }
        if (lock.isHeldByCurrentThread()) {
            lock.release();
        }
        assertThat(thrown).as("the lock is not broken by a listener's LinkageError").isNull();
        assertThat(events).as("every 'acquired' is ended").containsExactly("acquired", "released");
    }

    @Test
    void anAcquireIsEndedOnceEvenIfTheObserverFailsFatallyInAcquired() {
        LockRegistry registry = LockRegistry.of(backend, null, QUICK);
        registry.setObserver((name, backendName) -> new LockObserver.Acquiring() {
            @Override
            public LockObserver.Holding acquired(long fencingToken) {
                events.add("acquire ended: acquired");
                throw new StackOverflowError();
            }

            @Override
            public void notAcquired(boolean timedOut) {
                events.add("acquire ended: not acquired");
            }

            @Override
            public void failed(RuntimeException error) {
                events.add("acquire ended: failed");
            }
        });
        Lock lock = registry.getLock("overflow");

        assertThatThrownBy(lock::tryLock).isInstanceOf(StackOverflowError.class);

        assertThat(events).hasSize(1);
    }
}
