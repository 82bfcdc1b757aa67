/**
 * Sherlock's auto-configuration for what moved in Spring Boot 4, on Spring Boot 3.5: the lock backend's health
 * indicator ({@link dev.sherlock.spring.boot3.SherlockBoot3HealthIndicator}). Its conditions name Boot 3.5 classes,
 * so on Boot 4 nothing here is used (Boot 4 gets {@code dev.sherlock.spring.health.SherlockHealthIndicator}).
 */
@NullMarked
package dev.sherlock.spring.boot3;

import org.jspecify.annotations.NullMarked;
