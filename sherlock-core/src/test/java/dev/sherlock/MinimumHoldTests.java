package dev.sherlock;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** Lock.releaseHeldAtLeast beyond the contract: uncertain acquires and nested holds. */
class MinimumHoldTests {

    private final MemoryBackend memory = new MemoryBackend();

    @Test
    void anAcquireWhoseFirstReplyWasLostStillKeepsItsWholeMinimumHold() throws Exception {
        boolean[] lostReply = {true};
        LockBackend backend = new ForwardingBackend(memory) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                AcquireResult result = super.tryAcquire(key, owner, expire);
                if (lostReply[0]) {
                    lostReply[0] = false;
                    throw new StoreException("command timed out (the reply was lost)");
                }
                return result;
            }
        };
        LockRegistry registry = LockRegistry.of(backend, null, LockSettings.defaults()
                .withExpire(Duration.ofSeconds(20)).withAutoRenew(false));
        Lock lock = registry.getLock("job");
        assertThat(lock.tryLock(1, TimeUnit.SECONDS)).isTrue();

        lock.releaseHeldAtLeast(Duration.ofSeconds(10));
        // The clean-ups of the uncertain first request (2 s after) must not free the kept lock.
        Thread.sleep(3000);

        assertThat(memory.isLocked(memory.key(null, "job"))).as("kept for its 10 s minimum hold").isTrue();
        registry.close();
    }

    @Test
    void aNestedReleaseWithAnyMinimumOnlyLeaves() {
        LockRegistry registry = LockRegistry.of(memory, null, LockSettings.defaults());
        Lock lock = registry.getLock("job");
        lock.acquire();
        lock.acquire();

        assertThatCode(() -> lock.releaseHeldAtLeast(ChronoUnit.FOREVER.getDuration())).doesNotThrowAnyException();

        assertThat(lock.holdCount()).isEqualTo(1);
        lock.release();
        assertThat(memory.isLocked(memory.key(null, "job"))).isFalse();
        registry.close();
    }
}
