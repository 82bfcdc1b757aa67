package dev.sherlock.spring.aop;

import java.nio.file.Path;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.file.FileBackend;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A file backend in a test's directory that records acquire attempts, its registry, and a context runner with the
 * {@link DistributedLockBeanPostProcessor} over that registry.
 */
final class LockContext {

    final RecordingBackend backend;

    final LockRegistry registry;

    LockContext(Path directory) {
        this(directory, LockSettings.defaults());
    }

    LockContext(Path directory, LockSettings settings) {
        this.backend = new RecordingBackend(FileBackend.of(directory));
        this.registry = LockRegistry.of(backend, null, settings);
    }

    /** A runner whose annotated beans get class proxies, as in Spring Boot. */
    ApplicationContextRunner runner() {
        return new ApplicationContextRunner().withBean(LockRegistry.class, () -> registry)
            .withBean(DistributedLockBeanPostProcessor.class, () -> {
                DistributedLockBeanPostProcessor processor = new DistributedLockBeanPostProcessor(() -> registry);
                processor.setProxyTargetClass(true);
                return processor;
            });
    }

    /** Whether the current thread holds {@code name} through the registry, as an annotated method's call does. */
    boolean heldHere(String name) {
        return registry.getLock(name).isHeldByCurrentThread();
    }

    /** The number of attempts to acquire {@code name} so far. */
    int attempts(String name) {
        return backend.attempts(backend.key(null, name)).size();
    }
}
