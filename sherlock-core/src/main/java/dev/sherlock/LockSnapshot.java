package dev.sherlock;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What a registry knows of one of its locks that this JVM holds or waits for, at one moment: for operators
 * (Spring Boot's {@code /actuator/sherlock}), never for deciding anything.
 *
 * @param name the lock's name
 * @param namespace the registry's namespace, or {@code null}
 * @param backend the backend's name, e.g. {@code "redis"}
 * @param held whether a thread of this JVM holds it on the backend (else one is acquiring it)
 * @param fencingToken the hold's fencing token; {@code 0} when not held
 * @param holderThread the name of the holding thread; {@code null} when not held
 * @param heldFor how long it has been held; {@code null} when not held
 * @param validFor how much longer the holder may believe it holds the lock unless renewed (renewal extends it);
 *     {@code null} when not held or when it never expires
 * @param waiters how many more threads of this JVM wait for it
 * @since 0.1.0
 */
public record LockSnapshot(String name, @Nullable String namespace, String backend, boolean held, long fencingToken,
        @Nullable String holderThread, @Nullable Duration heldFor, @Nullable Duration validFor, int waiters) {
}
