package dev.sherlock;

import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases, in the background, the owner token of an acquire call that gave up after a request whose outcome it
 * never learned (an error, a lost reply, an answer that came too late). Such a request may have created the lock,
 * or may still do so when the client library resends it after reconnecting, so the owner is released at once and
 * again a few times later; release is owner-checked, and the owner token is never used by anyone else, so a
 * clean-up can only ever delete a lock that nobody holds.
 */
final class Orphans {

    private static final Logger logger = LoggerFactory.getLogger(Orphans.class);

    /** When to release, counted from the give-up: at once, and after the usual reconnection delays of clients. */
    private static final long[] DELAYS_NANOS = {0, TimeUnit.SECONDS.toNanos(2), TimeUnit.SECONDS.toNanos(15),
        TimeUnit.SECONDS.toNanos(60)};

    private Orphans() {
    }

    static void release(LockId id, String owner) {
        for (long delay : DELAYS_NANOS) {
            Runnable cleanUp = () -> releaseOnce(id, owner);
            if (delay == 0) {
                Renewals.execute(cleanUp);
            }
            else {
                Renewals.schedule(cleanUp, delay);
            }
        }
    }

    private static void releaseOnce(LockId id, String owner) {
        try {
            if (id.backend().release(id.key(), owner)) {
                logger.debug("{}: released what an abandoned acquire attempt had left", id);
            }
        }
        catch (RuntimeException ex) {
            logger.debug("{}: could not clean up after an abandoned acquire attempt", id, ex);
        }
    }
}
