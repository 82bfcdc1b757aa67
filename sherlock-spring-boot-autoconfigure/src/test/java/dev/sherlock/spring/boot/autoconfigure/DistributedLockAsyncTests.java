package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** @Async outside @DistributedLock: the lock is taken on the executor thread, around the work itself. */
class DistributedLockAsyncTests {

    @TempDir
    Path directory;

    @Test
    void asyncMethodRunsItsWorkUnderTheLockOnTheExecutorThread() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
            .withPropertyValues("sherlock.file.directory=" + directory)
            .withUserConfiguration(AsyncConfiguration.class)
            .withBean(Nightly.class)
            .run(context -> {
                assertThat(context).hasNotFailed();
                Nightly nightly = context.getBean(Nightly.class);
                nightly.run();
                nightly.run();
                assertThat(nightly.await()).isTrue();
                // The interceptor releases after the method returns: let the last release finish before cleanup.
                LockRegistry registry = context.getBean(LockRegistry.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> !registry.getLock("nightly").locked());
                // Inside the async work, the executing thread should hold "nightly", and runs should not overlap.
                assertThat(nightly.heldInside()).containsOnly(true);
                assertThat(nightly.mostInside()).isEqualTo(1);
            });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAsync
    static class AsyncConfiguration {
    }

    static class Nightly {

        @Autowired
        LockRegistry registry;

        final List<Boolean> heldInside = new CopyOnWriteArrayList<>();

        final AtomicInteger inside = new AtomicInteger();

        final AtomicInteger mostInside = new AtomicInteger();

        final CountDownLatch done = new CountDownLatch(2);

        @Async
        @DistributedLock(name = "nightly")
        public void run() throws InterruptedException {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            heldInside.add(registry.getLock("nightly").isHeldByCurrentThread());
            Thread.sleep(300);
            inside.decrementAndGet();
            done.countDown();
        }

        public boolean await() throws InterruptedException {
            return done.await(10, TimeUnit.SECONDS);
        }

        public List<Boolean> heldInside() {
            return heldInside;
        }

        public int mostInside() {
            return mostInside.get();
        }
    }
}
