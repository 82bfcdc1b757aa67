package dev.sherlock.file;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this JVM's file backends take turns on state files: one lock per stripe of file names, shared by every
 * backend, because a JVM may hold only one OS lock of a file and closing <em>any</em> channel of a file drops the
 * process's OS locks on it. Each stripe keeps the state file it last used open for the next operation, which then
 * only checks that the name still leads to it; so at most one open file per stripe, and every open and close of a
 * state file happens under its stripe's lock.
 */
final class FileStripes {

    private static final Logger logger = LoggerFactory.getLogger(FileStripes.class);

    private static final Stripe[] stripes = createStripes(64);

    private FileStripes() {
    }

    /** The stripe of a state file. */
    static Stripe of(Path file) {
        return stripes[Math.floorMod(file.hashCode(), stripes.length)];
    }

    /** Closes the state files kept open in {@code directory}, e.g. when a backend on it closes. */
    static void closeAll(Path directory) {
        for (Stripe stripe : stripes) {
            stripe.lock.lock();
            try {
                StateFile kept = stripe.kept;
                if (kept != null && directory.equals(kept.path().getParent())) {
                    stripe.kept = null;
                    Stripe.close(kept);
                }
            }
            finally {
                stripe.lock.unlock();
            }
        }
    }

    private static Stripe[] createStripes(int count) {
        Stripe[] created = new Stripe[count];
        for (int i = 0; i < count; i++) {
            created[i] = new Stripe();
        }
        return created;
    }

    /** One stripe: its lock, and the state file it keeps open (guarded by the lock). */
    static final class Stripe {

        private final ReentrantLock lock = new ReentrantLock();

        private @Nullable StateFile kept;

        void lock() {
            lock.lock();
        }

        void unlock() {
            lock.unlock();
        }

        /**
         * The state file kept open for {@code file}, if it is still the one at that name; otherwise closes what was
         * kept. Called with the stripe locked.
         * @return the open file, which the caller gives back with {@link #giveBack}; or {@code null}
         * @throws dev.sherlock.LockConfigurationException if something else than a lock state file now has the name
         */
        @Nullable StateFile reuse(Path file) throws IOException {
            StateFile open = kept;
            if (open == null) {
                return null;
            }
            kept = null;
            boolean usable = false;
            try {
                usable = open.stillAt(file);
            }
            finally {
                if (!usable) {
                    close(open);
                }
            }
            return usable ? open : null;
        }

        /**
         * Gives back a file {@link #reuse} or an open returned: kept for the next operation if it served this one
         * and can be checked, else closed. Called with the stripe locked.
         */
        void giveBack(StateFile open, boolean served) {
            if (kept != null && kept != open) {
                close(kept);
            }
            kept = served && open.reusable() ? open : null;
            if (kept == null) {
                close(open);
            }
        }

        private static void close(StateFile open) {
            try {
                open.close();
            }
            catch (IOException ex) {
                logger.debug("Backend file: cannot close lock file {}", open.path(), ex);
            }
        }
    }
}
