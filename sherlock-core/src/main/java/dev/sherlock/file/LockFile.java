package dev.sherlock.file;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.io.StringReader;

import org.jspecify.annotations.Nullable;

/**
 * Content of one lock's state file: holder, fencing counter and expiry.
 *
 * <p>Expiry is a {@link System#nanoTime()} deadline, which on one machine is one monotonic clock for every process,
 * together with the boot it belongs to: after a reboot every earlier holder is gone, so its lock has expired.
 *
 * @param owner the holder's owner token, or empty when free
 * @param token the fencing token of the latest acquisition; kept after release so tokens keep increasing
 * @param boot the boot the deadline belongs to
 * @param expires the holder's deadline in nanoTime, meaningless when {@code never}
 * @param never whether the hold never expires
 */
record LockFile(String owner, long token, String boot, long expires, boolean never) {

    private static final String HEADER = "# sherlock file lock v1";

    static final LockFile EMPTY = new LockFile("", 0, "", 0, false);

    boolean heldAt(long now, String currentBoot) {
        if (owner.isEmpty() || !boot.equals(currentBoot)) {
            return false;
        }
        return never || now - expires < 0;
    }

    boolean heldBy(String candidate, long now, String currentBoot) {
        return owner.equals(candidate) && heldAt(now, currentBoot);
    }

    @Nullable Long remainingNanos(long now) {
        return never ? null : Math.max(0, expires - now);
    }

    LockFile free() {
        return new LockFile("", token, boot, expires, false);
    }

    /** Reads the state; a missing file is a free lock that was never taken. */
    static LockFile read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (NoSuchFileException ex) {
            return EMPTY;
        }
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        String token = properties.getProperty("token");
        String expires = properties.getProperty("expires");
        if (!text.startsWith(HEADER) || token == null || expires == null) {
            throw new IOException("unrecognised content in " + file);
        }
        try {
            boolean never = expires.equals("never");
            return new LockFile(properties.getProperty("owner", ""), Long.parseLong(token),
                    properties.getProperty("boot", ""), never ? 0 : Long.parseLong(expires), never);
        }
        catch (NumberFormatException ex) {
            throw new IOException("unrecognised content in " + file, ex);
        }
    }

    /**
     * Replaces the state file atomically: the new content goes to a temporary file that is then renamed over it,
     * so a crash at any point leaves either the old or the new state. Callers hold the lock's guard, so one fixed
     * temporary name is enough and a leftover from a crash is simply overwritten.
     */
    void write(Path file) throws IOException {
        String text = HEADER + "\nowner=" + owner + "\ntoken=" + token + "\nboot=" + boot + "\nexpires="
                + (never ? "never" : Long.toString(expires)) + "\n";
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
