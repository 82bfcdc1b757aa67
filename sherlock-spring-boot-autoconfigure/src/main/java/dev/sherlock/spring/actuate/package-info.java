/**
 * The {@code sherlock} actuator endpoint: {@link dev.sherlock.spring.actuate.SherlockEndpoint}.
 */
@NullMarked
package dev.sherlock.spring.actuate;

import org.jspecify.annotations.NullMarked;
