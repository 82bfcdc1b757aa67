package dev.sherlock.spring.observation;

import java.time.Duration;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.ForwardingBackend;
import dev.sherlock.spi.StoreException;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An observation handler that fails leaves no observation in scope on the thread. */
class ObservationLockObserverTests {

    @Test
    void aHandlerFailingInOnErrorLeavesNoScopeOpenOnTheThread() {
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onError(Observation.Context context) {
                throw new NoSuchMethodError("io.opentelemetry.api.trace.Span.recordException(Throwable, Attributes)");
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        MemoryBackend memory = new MemoryBackend();
        LockRegistry registry = LockRegistry.of(new ForwardingBackend(memory) {
            @Override
            public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
                throw new StoreException("connection reset");
            }
        }, null, LockSettings.defaults());
        registry.setObserver(new ObservationLockObserver(observations, null));
        Lock lock = registry.getLock("traced");

        assertThatThrownBy(lock::tryLock).hasMessageContaining("connection reset");

        assertThat(observations.getCurrentObservation()).as("the acquire's scope is closed").isNull();
    }
}
