/**
 * The health check of the lock backend ({@link dev.sherlock.spring.health.BackendProbe}) and its indicator for
 * Spring Boot 4's health endpoint ({@link dev.sherlock.spring.health.SherlockHealthIndicator}).
 */
@NullMarked
package dev.sherlock.spring.health;

import org.jspecify.annotations.NullMarked;
