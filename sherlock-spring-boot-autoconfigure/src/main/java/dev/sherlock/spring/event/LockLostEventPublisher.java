package dev.sherlock.spring.event;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sherlock.LockListener;
import dev.sherlock.LockLostException;
import dev.sherlock.LockRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;

/**
 * Publishes each loss of a registry's lock as a {@link LockLostEvent}. A registry calls its listeners on the thread
 * that found the loss (often the renewal thread, which must not be held up), so the event is handed to one thread
 * of this publisher's own and published from there, in order (a slow listener delays the events after it; a
 * {@code @TransactionalEventListener} does not fire, as there is no transaction on that thread); {@link #close()}
 * stops that thread after the events already handed over.
 *
 * @since 0.1.0
 */
public final class LockLostEventPublisher implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LockLostEventPublisher.class);

    private final ApplicationEventPublisher publisher;

    private final ThreadPoolExecutor thread;

    /**
     * Creates a publisher and starts its thread, which inherits no thread-local state from whoever creates it or
     * first loses a lock (a request thread's security context must not leak into every later event).
     * @param publisher where events go: the application context
     */
    public LockLostEventPublisher(ApplicationEventPublisher publisher) {
        this.publisher = publisher;
        ClassLoader loader = LockLostEventPublisher.class.getClassLoader();
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread started = new Thread(null, runnable, "sherlock-lost-events", 0, false);
            started.setDaemon(true);
            started.setContextClassLoader(loader);
            return started;
        });
        this.thread.prestartAllCoreThreads();
    }

    /**
     * Publishes the losses of {@code registry}'s locks from now on.
     * @param registry the registry, the source of its events
     */
    public void publishFor(LockRegistry registry) {
        registry.addListener(new LockListener() {
            @Override
            public void lost(String name, LockLostException cause) {
                publish(new LockLostEvent(registry, name, Objects.requireNonNullElse(cause.backend(), "unknown"),
                        cause.fencingToken(), cause));
            }
        });
    }

    private void publish(LockLostEvent event) {
        try {
            thread.execute(() -> {
                try {
                    publisher.publishEvent(event);
                }
                catch (RuntimeException ex) {
                    logger.warn("A listener of {} failed", event, ex);
                }
            });
        }
        catch (RejectedExecutionException ex) {
            logger.warn("{} not published: the application is shutting down", event);
        }
    }

    /**
     * Stops the publishing thread after the events handed over so far, waiting for them up to 5 s; events still
     * queued then are logged, not published.
     */
    @Override
    public void close() throws InterruptedException {
        thread.shutdown();
        if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
            List<Runnable> dropped = thread.shutdownNow();
            if (!dropped.isEmpty()) {
                logger.warn("{} lost-lock event(s) not published: listeners took longer than 5 s at shutdown",
                        dropped.size());
            }
        }
    }
}
