/**
 * The backend SPI: a handful of atomic primitives that every backend implements, each carrying the owner token.
 */
@NullMarked
package dev.sherlock.spi;

import org.jspecify.annotations.NullMarked;
