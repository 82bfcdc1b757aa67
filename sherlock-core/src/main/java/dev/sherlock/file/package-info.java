/**
 * The file backend: a directory of lock files shared by the processes of one machine.
 */
@NullMarked
package dev.sherlock.file;

import org.jspecify.annotations.NullMarked;
