/**
 * The file backend: one lock file per lock in a private (or, by choice, a sticky shared) directory, shared by the
 * processes of one machine.
 */
@NullMarked
package dev.sherlock.file;

import org.jspecify.annotations.NullMarked;
