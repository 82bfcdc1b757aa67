package dev.sherlock;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases, in the background, owner tokens that may hold a lock nobody uses: that of an acquire call that gave up
 * after a request whose outcome it never learned (an error, a lost reply, an answer that came too late), and that of
 * a hold released while such a request might still be resent. The request may have created the lock, or may still
 * do so when the client library resends it after reconnecting, so the owner is released at once (unless it was just
 * released) and again after the usual reconnection delays of clients; a clean-up that fails is retried for an hour.
 * Release is owner-checked and the owner token is never used by anyone else, so a clean-up can only ever delete a
 * lock that nobody holds.
 */
final class Orphans {

    private static final Logger logger = LoggerFactory.getLogger(Orphans.class);

    /** When to release, counted from the give-up. */
    private static final long[] DELAYS_NANOS = {TimeUnit.SECONDS.toNanos(2), TimeUnit.SECONDS.toNanos(15),
        TimeUnit.SECONDS.toNanos(60)};

    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(60);

    private static final int MAX_RETRIES = 60;

    /** Bounds the memory and calls spent on clean-ups during a long outage. */
    private static final int MAX_PENDING = 10_000;

    /** Owners with clean-ups pending, as key and owner. */
    private static final Set<Pending> pending = ConcurrentHashMap.newKeySet();

    private Orphans() {
    }

    /** Releases {@code owner} now and a few times later, in {@code background}. */
    static void release(Background background, LockId id, String owner) {
        if (track(background, id, owner) || pending.size() < MAX_PENDING) {
            background.schedule(() -> releaseOnce(background, id, owner, -1), 0);
        }
    }

    /**
     * Releases the owner of a waiter that gave up while in line, once now: that takes it out of the line, and gives
     * back a lock a release handed it meanwhile. Its requests all had answers, so nothing is resent later; a failed
     * release is retried as the last clean-up of {@link #release} is.
     */
    static void releaseWaiter(Background background, LockId id, String owner) {
        if (pend(background, id, owner, "keeps its place in line until its promise ends")) {
            background.schedule(() -> releaseOnce(background, id, owner, DELAYS_NANOS.length - 1), 0);
        }
    }

    /** Releases {@code owner} a few times later, for requests resent after it was released. */
    static void releaseLater(Background background, LockId id, String owner) {
        track(background, id, owner);
    }

    /** Forgets the clean-ups of a closed background: they are not run, and leave the lock to expire on its own. */
    static void forget(Background background) {
        pending.removeIf(entry -> entry.background() == background);
    }

    /** Schedules the later clean-ups of {@code owner} unless they are pending; returns whether it did. */
    private static boolean track(Background background, LockId id, String owner) {
        if (!pend(background, id, owner, "is left to expire on its own")) {
            return false;
        }
        for (int i = 0; i < DELAYS_NANOS.length; i++) {
            int attempt = i;
            background.schedule(() -> releaseOnce(background, id, owner, attempt), DELAYS_NANOS[i]);
        }
        return true;
    }

    /**
     * Counts a clean-up of {@code owner} as pending, unless it already is, too many are, or the background is closed.
     * @param ifTooMany what becomes of the owner when too many are pending, for the warning
     * @return whether the caller should schedule it
     */
    private static boolean pend(Background background, LockId id, String owner, String ifTooMany) {
        if (background.closed()) {
            return false;
        }
        if (pending.size() >= MAX_PENDING) {
            logger.warn("{}: too many clean-ups pending; owner {} {}", id, owner, ifTooMany);
            return false;
        }
        Pending entry = new Pending(id.key(), owner, background);
        if (!pending.add(entry)) {
            return false;
        }
        if (background.closed()) {
            // Closed meanwhile: forget() may have run before the entry was added.
            pending.remove(entry);
            return false;
        }
        return true;
    }

    /** @param attempt index into the delays, {@code -1} for the immediate one, beyond for retries of the last */
    private static void releaseOnce(Background background, LockId id, String owner, int attempt) {
        try {
            if (id.backend().release(id.key(), owner)) {
                logger.debug("{}: released what an abandoned acquire attempt had left", id);
            }
            if (attempt >= DELAYS_NANOS.length - 1) {
                pending.remove(new Pending(id.key(), owner, background));
            }
        }
        catch (RuntimeException | LinkageError ex) {
            if (attempt < DELAYS_NANOS.length - 1) {
                logger.debug("{}: could not clean up after an abandoned acquire attempt; will try again", id, ex);
            }
            else if (attempt - DELAYS_NANOS.length + 1 < MAX_RETRIES) {
                background.schedule(() -> releaseOnce(background, id, owner, attempt + 1), RETRY_NANOS);
            }
            else {
                pending.remove(new Pending(id.key(), owner, background));
                logger.warn("{}: could not release owner {} left by an abandoned acquire attempt for an hour ({});"
                        + " it stays until it expires", id, owner, ex.getMessage());
            }
        }
    }

    private record Pending(String key, String owner, Background background) {
    }
}
