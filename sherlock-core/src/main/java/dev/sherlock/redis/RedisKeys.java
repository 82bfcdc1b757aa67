package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.jspecify.annotations.Nullable;

/**
 * Key layout on Redis.
 *
 * <p>The lock key is py-sherlock 0.4.1's: {@code <namespace>_<name>}, or just {@code <name>} without a namespace, so
 * Python and Java services sharing a Redis exclude each other. Redis keys are binary-safe, so every name is a valid
 * key as its UTF-8 bytes.
 *
 * <p>The fencing counter lives next to it in {@code sherlock:{<tag>}:fence:<lock key>}, the callers waiting for a
 * release in {@code sherlock:{<tag>}:waiters:<lock key>} and the owners of its last releases in
 * {@code sherlock:{<tag>}:released:<lock key>}, where {@code <tag>} is a short hash tag chosen to fall into the same
 * Redis Cluster slot as the lock key, so all four keys can be used by one script on a cluster. Deriving the tag
 * from the slot, rather than wrapping the lock key in braces, keeps this right for names that contain braces
 * themselves: {@code orders{eu}}, {@code a}b} or {@code {}x} each hash differently.
 *
 * <p>Lock keys starting with <code>sherlock:&#123;</code> are refused: without that, the lock named
 * {@code sherlock:{78f}:fence:orders} would be the fencing counter of the lock {@code orders}. Every other name keeps
 * py-sherlock's key.
 */
final class RedisKeys {

    /**
     * The start of every companion key. Lock keys never start with it, so no lock key equals a companion key; and
     * companion keys of different lock keys differ, since each ends in its lock key after a prefix of its own kind.
     */
    static final String RESERVED = "sherlock:{";

    private static final int SLOTS = 16384;

    private RedisKeys() {
    }

    /**
     * The lock key.
     * @throws IllegalArgumentException if the key would start with {@link #RESERVED}, where it could be a companion
     *     key of another lock
     */
    static String lockKey(@Nullable String namespace, String name) {
        String key = namespace == null ? name : namespace + "_" + name;
        if (key.startsWith(RESERVED)) {
            throw new IllegalArgumentException("its Redis key '" + shorten(key) + "' starts with '" + RESERVED
                    + "', which Sherlock reserves for its own keys (fencing counters and waiting marks), so it could be"
                    + " another lock's fencing counter. Use a name (and namespace) whose key does not start so");
        }
        return key;
    }

    private static String shorten(String key) {
        return key.length() > 80 ? key.substring(0, 80) + "…" : key;
    }

    /** What follows the companion prefix in the fence key. */
    static final String FENCE = "fence:";

    /**
     * What follows the companion prefix in the waiting hash's key ({@code waiters}, not the string mark
     * {@code waiting} of earlier versions, so neither ever meets the other's type).
     */
    static final String WAITERS = "waiters:";

    /** What follows the companion prefix in the key of the list of the last releases' owners. */
    static final String RELEASED = "released:";

    static String fenceKey(String lockKey) {
        return companionPrefix(lockKey.getBytes(StandardCharsets.UTF_8)) + FENCE + lockKey;
    }

    static String waitingKey(String lockKey) {
        return companionPrefix(lockKey.getBytes(StandardCharsets.UTF_8)) + WAITERS + lockKey;
    }

    static String releasedKey(String lockKey) {
        return companionPrefix(lockKey.getBytes(StandardCharsets.UTF_8)) + RELEASED + lockKey;
    }

    /** {@code sherlock:{<tag>}:}, the start of every companion key of the lock key (given as UTF-8). */
    static String companionPrefix(byte[] lockKey) {
        return RESERVED + Integer.toString(SlotTags.tags[slot(lockKey)], 36) + "}:";
    }

    /** The Redis Cluster slot of a key: CRC16 of its hash tag if it has a non-empty one, else of the whole key. */
    static int slot(byte[] key) {
        int start = indexOf(key, (byte) '{', 0);
        if (start >= 0) {
            int end = indexOf(key, (byte) '}', start + 1);
            if (end > start + 1) {
                return crc16(key, start + 1, end) & (SLOTS - 1);
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    private static int indexOf(byte[] bytes, byte wanted, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** CRC16-CCITT (XModem), the checksum Redis Cluster uses for slots. */
    static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc ^= (bytes[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return crc & 0xffff;
    }

    /**
     * One short tag per slot: the first number whose base-36 text hashes to it, kept as the number (64 KiB in all).
     * Built once, in a few milliseconds.
     */
    private static final class SlotTags {

        static final int[] tags = build();

        private static int[] build() {
            int[] tags = new int[SLOTS];
            Arrays.fill(tags, -1);
            int missing = SLOTS;
            for (int i = 0; missing > 0; i++) {
                byte[] text = Integer.toString(i, 36).getBytes(StandardCharsets.US_ASCII);
                int slot = crc16(text, 0, text.length) & (SLOTS - 1);
                if (tags[slot] < 0) {
                    tags[slot] = i;
                    missing--;
                }
            }
            return tags;
        }
    }
}
