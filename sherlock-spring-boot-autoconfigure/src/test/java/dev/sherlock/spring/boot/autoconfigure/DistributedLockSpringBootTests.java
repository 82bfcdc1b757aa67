package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.LockRegistry;
import dev.sherlock.annotation.DistributedLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring Boot application with the starter's auto-configuration: threads calling a locked method never overlap.
 */
@SpringBootTest(classes = DistributedLockSpringBootTests.Application.class)
class DistributedLockSpringBootTests {

    private static final int THREADS = 8;

    private static final int CALLS_PER_THREAD = 100;

    @TempDir
    static Path directory;

    @DynamicPropertySource
    static void lockDirectory(DynamicPropertyRegistry properties) {
        properties.add("sherlock.file.directory", directory::toString);
        properties.add("sherlock.retry-interval", () -> "5ms");
    }

    @Autowired
    private Counter counter;

    @Autowired
    private LockRegistry registry;

    @Test
    void threadsCallingLockedMethodNeverOverlap() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                done.add(threads.submit(() -> {
                    for (int call = 0; call < CALLS_PER_THREAD; call++) {
                        counter.increment();
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get(2, TimeUnit.MINUTES);
            }
        }
        finally {
            threads.shutdownNow();
        }
        assertThat(counter.value()).isEqualTo(THREADS * CALLS_PER_THREAD);
        assertThat(counter.mostInside()).isOne();
        assertThat(registry.getLock("counter").locked()).isFalse();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Counter.class)
    static class Application {
    }

    /** A read-modify-write that loses updates unless calls are mutually exclusive. */
    static class Counter {

        private final AtomicInteger inside = new AtomicInteger();

        private final AtomicInteger mostInside = new AtomicInteger();

        private int value;

        @DistributedLock(name = "counter")
        public void increment() {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            int read = value;
            Thread.yield();
            value = read + 1;
            inside.decrementAndGet();
        }

        public int value() {
            return value;
        }

        public int mostInside() {
            return mostInside.get();
        }
    }
}
