package dev.sherlock.spi;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * A backend that forwards every call to another one; tests extend it to record or change single calls.
 */
public abstract class ForwardingBackend implements LockBackend {

    /** The backend calls are forwarded to. */
    protected final LockBackend delegate;

    protected ForwardingBackend(LockBackend delegate) {
        this.delegate = delegate;
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

    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        return delegate.awaitRelease(key, observedVersion, maxWait);
    }

    @Override
    public void checkAccess(@Nullable String namespace) {
        delegate.checkAccess(namespace);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
