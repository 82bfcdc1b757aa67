/**
 * The memory backend: locks in this JVM's memory, for testing code that uses locks without a server.
 */
@NullMarked
package dev.sherlock.memory;

import org.jspecify.annotations.NullMarked;
