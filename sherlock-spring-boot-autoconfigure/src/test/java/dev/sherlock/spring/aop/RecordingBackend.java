package dev.sherlock.spring.aop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;

/**
 * A real backend that also records the acquire attempts it receives, so tests can see which key, expiry and how many
 * attempts a call produced.
 */
final class RecordingBackend implements LockBackend {

    private final LockBackend delegate;

    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();

    RecordingBackend(LockBackend delegate) {
        this.delegate = delegate;
    }

    /** Attempts to acquire {@code key}, in order. */
    List<Attempt> attempts(String key) {
        return attempts.stream().filter(attempt -> attempt.key().equals(key)).toList();
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public String key(@Nullable String namespace, String name) {
        return delegate.key(namespace, name);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        attempts.add(new Attempt(key, expire));
        return delegate.tryAcquire(key, owner, expire);
    }

    @Override
    public boolean release(String key, String owner) {
        return delegate.release(key, owner);
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return delegate.renew(key, owner, expire);
    }

    @Override
    public boolean isLocked(String key) {
        return delegate.isLocked(key);
    }

    record Attempt(String key, @Nullable Duration expire) {
    }
}
