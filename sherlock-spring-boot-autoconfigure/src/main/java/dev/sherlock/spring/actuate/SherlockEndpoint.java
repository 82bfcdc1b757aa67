package dev.sherlock.spring.actuate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSnapshot;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code sherlock} actuator endpoint ({@code /actuator/sherlock}, read-only): the locks this JVM holds or waits
 * for, per {@link LockRegistry} bean, with their fencing tokens, holders, ages, validity and local waiters. Exposed
 * only as the application exposes endpoints ({@code management.endpoints.web.exposure.include}).
 *
 * @since 0.1.0
 */
@Endpoint(id = "sherlock")
public final class SherlockEndpoint {

    private final Map<String, LockRegistry> registries;

    /**
     * Creates the endpoint.
     * @param registries the registries to list, by bean name
     */
    public SherlockEndpoint(Map<String, LockRegistry> registries) {
        this.registries = registries;
    }

    /**
     * The locks of every registry.
     * @return the registries by bean name, each with its locks
     */
    @ReadOperation
    public Registries locks() {
        Map<String, RegistryLocks> described = new LinkedHashMap<>();
        registries.forEach((name, registry) -> {
            List<LockDescriptor> locks = new ArrayList<>();
            for (LockSnapshot lock : registry.locks()) {
                locks.add(LockDescriptor.of(lock));
            }
            described.put(name, new RegistryLocks(locks));
        });
        return new Registries(described);
    }

    /**
     * The endpoint's answer.
     * @param registries each registry bean's locks, by bean name
     */
    public record Registries(Map<String, RegistryLocks> registries) {
    }

    /**
     * One registry's locks.
     * @param locks the locks this JVM holds or waits for, by name
     */
    public record RegistryLocks(List<LockDescriptor> locks) {
    }

    /**
     * One lock, as JSON shows it; durations in ISO-8601 ({@code PT1.5S}).
     * @param name the lock's name
     * @param namespace the namespace, or {@code null}
     * @param backend the backend's name
     * @param state {@code held}, or {@code acquiring} while a thread of this JVM tries to get it
     * @param fencingToken the hold's fencing token, or {@code null} when not held
     * @param holderThread the holding thread's name, or {@code null}
     * @param heldFor how long it has been held, or {@code null}
     * @param validFor how much longer the holder may believe it holds it unless renewed, or {@code null} when not
     *     held or never expiring
     * @param waiters how many more threads of this JVM wait for it
     */
    public record LockDescriptor(String name, @Nullable String namespace, String backend, String state,
            @Nullable Long fencingToken, @Nullable String holderThread, @Nullable String heldFor,
            @Nullable String validFor, int waiters) {

        static LockDescriptor of(LockSnapshot lock) {
            return new LockDescriptor(lock.name(), lock.namespace(), lock.backend(),
                    lock.held() ? "held" : "acquiring", lock.held() ? lock.fencingToken() : null,
                    lock.holderThread(), lock.heldFor() == null ? null : lock.heldFor().toString(),
                    lock.validFor() == null ? null : lock.validFor().toString(), lock.waiters());
        }
    }
}
