package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.TestThreads;
import dev.sherlock.file.FileBackend;
import dev.sherlock.file.FileLock;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.task.VirtualThreadTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The threads of the auto-configured registry belong to the context: renewals run on the
 * {@code sherlockTaskExecutor} bean if there is one (virtual threads with {@code spring.threads.virtual.enabled} on
 * Java 21+), and no thread Sherlock started is left once the context is closed.
 */
class SherlockThreadsTests {

    @TempDir
    Path directory;

    /** Names of the threads renewals ran on. */
    private final Set<String> renewalThreads = ConcurrentHashMap.newKeySet();

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.expire=1s")
        .withBean(LockBackend.class, () -> new ForwardingBackend(FileBackend.of(directory)) {
            @Override
            public boolean renew(String key, String owner, @Nullable Duration expire) {
                renewalThreads.add(Thread.currentThread().getName() + (TestThreads.isVirtual(Thread.currentThread())
                        ? " (virtual)" : ""));
                return super.renew(key, owner, expire);
            }
        });

    @Test
    void noThreadSherlockStartedOutlivesTheContext() throws Exception {
        Set<Thread> before = TestThreads.sherlockThreads();
        contextRunner.run(context -> {
            LockRegistry registry = context.getBean(LockRegistry.class);
            FileLock otherProcess = new FileLock("busy", directory, null, registry.settings());
            otherProcess.acquire();
            // Waits for the other process's release on the directory watch, then holds past a renewal.
            CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> {
                Lock lock = registry.acquire("busy");
                await().atMost(Duration.ofSeconds(10)).until(() -> !renewalThreads.isEmpty());
                lock.release();
            });
            Thread.sleep(200);
            otherProcess.release();
            waiter.get(30, TimeUnit.SECONDS);
            assertThat(TestThreads.sherlockThreads()).filteredOn(thread -> !before.contains(thread))
                    .as("threads started meanwhile").isNotEmpty();
            otherProcess.backend().close();
        });

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(TestThreads.sherlockThreads())
                .filteredOn(thread -> !before.contains(thread)).as("Sherlock threads left after close").isEmpty());
    }

    @Test
    void renewalsRunOnTheSherlockTaskExecutorBean() {
        ExecutorService application = Executors.newCachedThreadPool(task -> new Thread(task, "application-task"));
        try {
            contextRunner.withBean(SherlockAutoConfiguration.TASK_EXECUTOR, Executor.class, () -> application)
                .run(context -> {
                    LockRegistry registry = context.getBean(LockRegistry.class);
                    renewAtLeastOnce(registry);
                    registry.close();

                    assertThat(renewalThreads).containsExactly("application-task");
                    assertThat(application.isShutdown()).as("closing the registry leaves the executor running")
                            .isFalse();
                });
        }
        finally {
            application.shutdownNow();
        }
    }

    @Test
    void withVirtualThreadsOnRenewalsRunOnVirtualThreadsFromJava21() {
        contextRunner.withPropertyValues("spring.threads.virtual.enabled=true").run(context -> {
            renewAtLeastOnce(context.getBean(LockRegistry.class));

            if (Runtime.version().feature() >= 21) {
                assertThat(context.getBean(SherlockAutoConfiguration.TASK_EXECUTOR))
                        .isInstanceOf(VirtualThreadTaskExecutor.class);
                assertThat(renewalThreads).isNotEmpty().allMatch(name -> name.endsWith(" (virtual)"))
                        .allMatch(name -> name.startsWith("sherlock-"));
            }
            else {
                assertThat(context).doesNotHaveBean(SherlockAutoConfiguration.TASK_EXECUTOR);
                assertThat(renewalThreads).isNotEmpty().allMatch(name -> name.startsWith("sherlock-file-"));
            }
        });
    }

    private void renewAtLeastOnce(LockRegistry registry) {
        Lock lock = registry.acquire("renewed");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !renewalThreads.isEmpty());
        }
        finally {
            lock.release();
        }
    }
}
