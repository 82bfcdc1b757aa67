package dev.sherlock.file;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32;

import org.jspecify.annotations.Nullable;

/**
 * One lock's state: holder, fencing counter and expiry, and its encoding as one slot of a state file.
 *
 * <p>Expiry is a {@link System#nanoTime()} deadline, which on one machine is one monotonic clock for every process,
 * together with the boot it belongs to: after a reboot every earlier holder is gone, so its lock has expired. The
 * lifetime is stored too: a deadline further away than it can only come from another clock epoch (a reboot where
 * no boot id is available), and counts as expired.
 *
 * <p>A slot is {@link #SLOT_SIZE} bytes of text (readable with {@code cat}): a header line, a sequence number, the
 * fields, and a CRC-32 of all of it, padded with newlines. A slot that was torn by a crash fails its checksum.
 *
 * @param owner the holder's owner token, or empty when free
 * @param token the fencing token of the latest acquisition; kept after release so tokens keep increasing
 * @param boot the boot the deadline belongs to
 * @param expires the holder's deadline in nanoTime, meaningless when {@code never}
 * @param ttl the lifetime the deadline was computed with, in nanoseconds; 0 when unknown or never
 * @param never whether the hold never expires
 */
record LockFile(String owner, long token, String boot, long expires, long ttl, boolean never) {

    static final int SLOT_SIZE = 1024;

    static final String HEADER = "# sherlock file lock 2\n";

    private static final String CHECKSUM = "crc32=";

    static final LockFile EMPTY = new LockFile("", 0, "", 0, 0, false);

    static LockFile held(String owner, long token, String boot, long sent, @Nullable Duration expire) {
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
     * Encodes this state as one slot.
     * @param sequence the slot's sequence number, one more than the slot it supersedes
     * @return exactly {@link #SLOT_SIZE} bytes
     * @throws IllegalArgumentException if the fields do not fit a slot
     */
    byte[] encode(long sequence) {
        String fields = HEADER + "sequence=" + sequence + "\nowner=" + escape(owner) + "\ntoken=" + token + "\nboot="
                + escape(boot) + "\nexpires=" + (never ? "never" : Long.toString(expires)) + "\nttl=" + ttl + "\n";
        byte[] body = fields.getBytes(StandardCharsets.UTF_8);
        CRC32 crc = new CRC32();
        crc.update(body);
        byte[] check = (CHECKSUM + hex(crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII);
        if (body.length + check.length > SLOT_SIZE) {
            throw new IllegalArgumentException("owner token of " + owner.length() + " characters does not fit a lock"
                    + " file slot of " + SLOT_SIZE + " bytes");
        }
        byte[] slot = new byte[SLOT_SIZE];
        System.arraycopy(body, 0, slot, 0, body.length);
        System.arraycopy(check, 0, slot, body.length, check.length);
        Arrays.fill(slot, body.length + check.length, SLOT_SIZE, (byte) '\n');
        return slot;
    }

    /**
     * Decodes one slot.
     * @return the slot's sequence number and state, or {@code null} if it is not an intact slot (torn or foreign)
     */
    static @Nullable Slot decode(byte[] bytes, int offset, int length) {
        String text = new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        if (!text.startsWith(HEADER)) {
            return null;
        }
        int check = text.indexOf("\n" + CHECKSUM);
        if (check < 0 || check + 1 + CHECKSUM.length() + 8 > text.length()) {
            return null;
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, check + 1);
        String expected = text.substring(check + 1 + CHECKSUM.length(), check + 1 + CHECKSUM.length() + 8);
        if (!expected.equals(hex(crc.getValue()))) {
            return null;
        }
        String sequence = null;
        String owner = "";
        String token = null;
        String boot = "";
        String expires = null;
        String ttl = "0";
        int line = HEADER.length();
        while (line < check) {
            int end = text.indexOf('\n', line);
            int equals = text.indexOf('=', line);
            if (equals > line && equals < end) {
                String value = text.substring(equals + 1, end);
                switch (text.substring(line, equals)) {
                    case "sequence" -> sequence = value;
                    case "owner" -> owner = value;
                    case "token" -> token = value;
                    case "boot" -> boot = value;
                    case "expires" -> expires = value;
                    case "ttl" -> ttl = value;
                    default -> {
                        // A field of a later version: ignored.
                    }
                }
            }
            line = end + 1;
        }
        try {
            boolean never = "never".equals(expires);
            LockFile state = new LockFile(unescape(owner), Long.parseLong(token), unescape(boot),
                    never ? 0 : Long.parseLong(expires), Long.parseLong(ttl), never);
            return new Slot(Long.parseLong(sequence), state);
        }
        catch (RuntimeException ex) {
            return null;
        }
    }

    /** A CRC-32 as the 8 lower-case hexadecimal digits a slot holds. */
    private static String hex(long crc) {
        String digits = Long.toHexString(crc);
        return "00000000".substring(digits.length()) + digits;
    }

    private static String escape(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_' || c == '*')) {
                return URLEncoder.encode(text, StandardCharsets.UTF_8);
            }
        }
        // Only characters URL encoding keeps as they are.
        return text;
    }

    private static String unescape(String text) {
        return text.indexOf('%') < 0 && text.indexOf('+') < 0 ? text : URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /**
     * An intact slot.
     * @param sequence orders the two slots of a file: the higher one is the current state
     * @param state the state it holds
     */
    record Slot(long sequence, LockFile state) {
    }
}
