package dev.sherlock.spring.aop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * A real backend that also records the acquire attempts it receives, so tests can see which key, expiry and how many
 * attempts a call produced.
 */
final class RecordingBackend extends ForwardingBackend {

    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();

    RecordingBackend(LockBackend delegate) {
        super(delegate);
    }

    /** Attempts to acquire {@code key}, in order. */
    List<Attempt> attempts(String key) {
        return attempts.stream().filter(attempt -> attempt.key().equals(key)).toList();
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        attempts.add(new Attempt(key, expire));
        return delegate.tryAcquire(key, owner, expire);
    }

    record Attempt(String key, @Nullable Duration expire) {
    }
}
