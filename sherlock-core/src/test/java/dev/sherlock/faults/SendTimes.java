package dev.sherlock.faults;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * Records when each acquisition's first attempt was sent, so the analysis can order two acquisitions with
 * certainty: one whose acquire call returned before another's first attempt was sent happened first, and must
 * have the smaller fencing token. (The core uses one owner token for all attempts of one acquire call.)
 */
final class SendTimes extends ForwardingBackend {

    /** Marks a send time that was not recorded. */
    static final long UNKNOWN = Long.MIN_VALUE;

    /** Owners of attempts still going on, or given up; bounded, as failed acquires leave theirs behind. */
    private final Map<String, Long> firstSent = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 4096;
        }
    };

    private final Map<Long, Long> sentByToken = new ConcurrentHashMap<>();

    SendTimes(LockBackend delegate) {
        super(delegate);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        Long first;
        synchronized (firstSent) {
            first = firstSent.computeIfAbsent(owner, ignored -> System.nanoTime());
        }
        AcquireResult result = delegate.tryAcquire(key, owner, expire);
        if (result.acquired()) {
            sentByToken.put(result.fencingToken(), first);
        }
        return result;
    }

    @Override
    public @Nullable String unsupportedExpire(Duration expire) {
        return delegate.unsupportedExpire(expire);
    }

    /**
     * When the first attempt of the acquisition that got {@code token} was sent, in {@link System#nanoTime()}.
     * @return the time, or {@link #UNKNOWN} if no attempt of this process returned that token
     */
    long takeFirstSent(long token) {
        Long sent = sentByToken.remove(token);
        return sent == null ? UNKNOWN : sent;
    }
}
