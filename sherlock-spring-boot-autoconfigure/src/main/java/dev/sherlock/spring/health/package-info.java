/**
 * The health indicator of the lock backend, for Spring Boot's health endpoint:
 * {@link dev.sherlock.spring.health.SherlockHealthIndicator}.
 */
@NullMarked
package dev.sherlock.spring.health;

import org.jspecify.annotations.NullMarked;
