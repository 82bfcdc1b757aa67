/**
 * The Sherlock Spring Boot starter has no classes of its own: it brings {@code sherlock-core} (the locks and the
 * backends), {@code sherlock-spring-boot-autoconfigure} (the auto-configured {@code LockRegistry},
 * {@code @DistributedLock}, observations, the actuator endpoint and health indicator) and Spring Boot's starter. Add a
 * backend's client (spring-boot-starter-data-redis, spymemcached, jetcd-core or client-java) and set
 * {@code sherlock.backend} to use another backend than the default file backend.
 */
package dev.sherlock.spring.starter;
