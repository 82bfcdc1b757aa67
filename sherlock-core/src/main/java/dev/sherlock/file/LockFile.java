package dev.sherlock.file;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

import org.jspecify.annotations.Nullable;

/**
 * Content of one lock's state file: holder, fencing counter and expiry.
 *
 * <p>Expiry is a {@link System#nanoTime()} deadline, which on one machine is one monotonic clock for every process,
 * together with the boot it belongs to: after a reboot every earlier holder is gone, so its lock has expired. The
 * lifetime is stored too: a deadline further away than it can only come from another clock epoch (a reboot where
 * no boot id is available), and counts as expired.
 *
 * @param owner the holder's owner token, or empty when free
 * @param token the fencing token of the latest acquisition; kept after release so tokens keep increasing
 * @param boot the boot the deadline belongs to
 * @param expires the holder's deadline in nanoTime, meaningless when {@code never}
 * @param ttl the lifetime the deadline was computed with, in nanoseconds; 0 when unknown or never
 * @param never whether the hold never expires
 */
record LockFile(String owner, long token, String boot, long expires, long ttl, boolean never) {

    private static final String HEADER = "# sherlock file lock v1";

    static final LockFile EMPTY = new LockFile("", 0, "", 0, 0, false);

    static LockFile held(String owner, long token, String boot, long sent, java.time.@Nullable Duration expire) {
        return expire == null ? new LockFile(owner, token, boot, 0, 0, true)
                : new LockFile(owner, token, boot, sent + expire.toNanos(), expire.toNanos(), false);
    }

    boolean heldAt(long now, String currentBoot) {
        if (owner.isEmpty() || !boot.equals(currentBoot)) {
            return false;
        }
        if (never) {
            return true;
        }
        long left = expires - now;
        return left > 0 && (ttl <= 0 || left <= ttl);
    }

    boolean heldBy(String candidate, long now, String currentBoot) {
        return owner.equals(candidate) && heldAt(now, currentBoot);
    }

    @Nullable Long remainingNanos(long now) {
        return never ? null : Math.max(0, expires - now);
    }

    LockFile free() {
        return new LockFile("", token, boot, expires, ttl, false);
    }

    /**
     * Reads the state; a missing file is a free lock that was never taken.
     * @return the state, or {@code null} if the file's content is not a lock state (damaged)
     * @throws IOException if the file cannot be read at all (permissions, I/O error)
     */
    static @Nullable LockFile read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (NoSuchFileException ex) {
            return EMPTY;
        }
        catch (CharacterCodingException ex) {
            return null;
        }
        return parse(text);
    }

    private static @Nullable LockFile parse(String text) {
        if (!text.startsWith(HEADER)) {
            return null;
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text));
            String token = properties.getProperty("token");
            String expires = properties.getProperty("expires");
            if (token == null || expires == null) {
                return null;
            }
            boolean never = expires.equals("never");
            return new LockFile(properties.getProperty("owner", ""), Long.parseLong(token),
                    properties.getProperty("boot", ""), never ? 0 : Long.parseLong(expires),
                    Long.parseLong(properties.getProperty("ttl", "0")), never);
        }
        catch (IOException | IllegalArgumentException ex) {
            return null;
        }
    }

    /**
     * Replaces the state file atomically: the new content goes to a temporary file that is then renamed over it,
     * so a crash at any point leaves either the old or the new state. Callers hold the lock's guard, so one fixed
     * temporary name is enough and a leftover from a crash is simply overwritten.
     */
    void write(Path file) throws IOException {
        String text = HEADER + "\nowner=" + owner + "\ntoken=" + token + "\nboot=" + boot + "\nexpires="
                + (never ? "never" : Long.toString(expires)) + "\nttl=" + ttl + "\n";
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
