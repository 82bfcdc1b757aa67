package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.sherlock.Lock;
import dev.sherlock.LockListener;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import dev.sherlock.file.FileBackend;
import dev.sherlock.spring.event.LockLostEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link LockListener} beans hear the auto-configured registry, and its lost locks reach {@code @EventListener}
 * methods as {@link LockLostEvent}s, from a thread that is not the one that found the loss and that stops with the
 * context.
 */
class LockListenerBeansTests {

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
        .withUserConfiguration(Listeners.class);

    /** A request thread's context, such as a signed-in user, that no event listener may see. */
    static final InheritableThreadLocal<String> user = new InheritableThreadLocal<>();

    @Test
    void listenerBeansAndEventListenersHearOfALostLock() {
        user.set("alice");
        try {
            hearOfALostLock();
        }
        finally {
            user.remove();
        }
    }

    private void hearOfALostLock() {
        Thread[] eventThread = new Thread[1];
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory, "sherlock.expire=300ms",
                "sherlock.auto-renew=false").run(context -> {
            Listeners listeners = context.getBean(Listeners.class);
            Lock lock = context.getBean(LockRegistry.class).acquire("orders");
            long token = lock.fencingToken();
            try (FileBackend other = FileBackend.builder().directory(directory).build()) {
                Lock taker = LockRegistry.of(other).getLock("orders");
                assertThat(taker.tryAcquire(Duration.ofSeconds(10))).isTrue();
                assertThatThrownBy(lock::release).isInstanceOf(LockLostException.class);
                taker.release();
            }

            assertThat(listeners.acquired).containsExactly("orders:" + token);
            await().atMost(Duration.ofSeconds(10)).until(() -> listeners.events.size() == 1);
            assertThat(listeners.lost).containsExactly("orders");
            LockLostEvent event = listeners.events.get(0);
            assertThat(event.lockName()).isEqualTo("orders");
            assertThat(event.backend()).isEqualTo("file");
            assertThat(event.fencingToken()).isEqualTo(token);
            assertThat(event.cause()).hasMessageContaining("'orders'").hasMessageContaining("file");
            assertThat(event.getSource()).isSameAs(context.getBean(LockRegistry.class));
            assertThat(listeners.eventThreads).containsExactly("sherlock-lost-events");
            eventThread[0] = listeners.eventThread;
            assertThat(listeners.eventUsers).as("thread-locals of the thread that lost the lock").containsExactly("none");
            assertThat(threadNames()).contains("sherlock-lost-events");
        });

        // This context's thread: contexts other tests keep open in the JVM have threads of the same name.
        await().atMost(Duration.ofSeconds(10)).until(() -> !eventThread[0].isAlive());
    }

    @Test
    void aListenerBeanMayDependOnTheRegistryAndAFailingOneDoesNotSilenceTheOthers() {
        contextRunner.withUserConfiguration(RegistryUsingListeners.class)
            .withPropertyValues("sherlock.file.directory=" + directory)
            .run(context -> {
                assertThat(context).hasNotFailed();
                try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                    assertThat(lock.fencingToken()).isPositive();
                }
                assertThat(context.getBean(Listeners.class).acquired).hasSize(1);
                assertThat(context.getBean(RegistryUsingListeners.class).released).containsExactly("orders");
            });
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName).toList();
    }

    @Configuration(proxyBeanMethods = false)
    static class RegistryUsingListeners {

        final List<String> released = new CopyOnWriteArrayList<>();

        @Bean
        @Order(1)
        LockListener failingListener() {
            return new LockListener() {
                @Override
                public void acquired(String name, long fencingToken) {
                    throw new IllegalStateException("this listener always fails");
                }
            };
        }

        @Bean
        @Order(2)
        LockListener registryUsingListener(LockRegistry registry) {
            return new LockListener() {
                @Override
                public void released(String name) {
                    released.add(registry.getLock(name).name());
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Listeners {

        final List<String> acquired = new CopyOnWriteArrayList<>();

        final List<String> lost = new CopyOnWriteArrayList<>();

        final List<LockLostEvent> events = new CopyOnWriteArrayList<>();

        final List<String> eventThreads = new CopyOnWriteArrayList<>();

        final List<String> eventUsers = new CopyOnWriteArrayList<>();

        volatile Thread eventThread;

        @Bean
        LockListener recordingListener() {
            return new LockListener() {
                @Override
                public void acquired(String name, long fencingToken) {
                    acquired.add(name + ":" + fencingToken);
                }

                @Override
                public void lost(String name, LockLostException cause) {
                    lost.add(name);
                }
            };
        }

        @EventListener
        void on(LockLostEvent event) {
            events.add(event);
            eventThreads.add(Thread.currentThread().getName());
            eventThread = Thread.currentThread();
            eventUsers.add(user.get() == null ? "none" : user.get());
        }
    }
}
