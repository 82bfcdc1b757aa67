/**
 * Sherlock's locks as a Spring Integration {@code LockRegistry}, so Spring Integration's leader initiator,
 * aggregators and lock-using components run on Sherlock's backends.
 */
@NullMarked
package dev.sherlock.spring.integration;

import org.jspecify.annotations.NullMarked;
