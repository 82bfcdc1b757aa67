package dev.sherlock.memcached;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;

/**
 * Maps lock names to memcached keys, in py-sherlock 0.4.1's layout wherever that layout gives a safe key.
 *
 * <p>py-sherlock's {@code MCLock} stores a lock under {@code <namespace>_<name>} (just {@code <name>} without a
 * namespace). That joined text is used as the key, unchanged, when it is a <em>plain</em> key: 1 to 250 bytes of
 * printable ASCII ({@code !} to {@code ~}, no space or control character) that does not start with {@code ~}. Such
 * keys are valid for every memcached client and protocol, and Python and Java services using the same names share
 * their locks.
 *
 * <p>Every other joined text (spaces, control characters, non-ASCII text, more than 250 bytes, or a leading
 * {@code ~}) is escaped, and the result always starts with {@code ~}, which no plain key does:
 * <ul>
 * <li>{@code ~e~} followed by the text's UTF-8 bytes, where printable ASCII other than {@code %} is kept and every
 * other byte becomes {@code %XX} (uppercase hex), when that fits in 250 bytes;</li>
 * <li>otherwise {@code ~h~}, a readable prefix of that escaping, {@code ~} and the SHA-256 (hex) of the text.</li>
 * </ul>
 * Percent-escaping is injective and the hash form is collision-resistant, so two different joined texts never share
 * a key. Extra keys (the fencing counter) use prefixes that lock keys never use: {@code ~f~<lock key>}, or
 * {@code ~F~<SHA-256 of the lock key>} when that would be too long.
 *
 * <p>Like py-sherlock's layout, the key is made from the joined text: namespace {@code a} with name {@code b_c},
 * namespace {@code a_b} with name {@code c} and no namespace with name {@code a_b_c} are all the key
 * {@code a_b_c}, in Python and Java alike.
 */
final class MemcachedKeys {

    /** memcached's longest key, in bytes. */
    static final int MAX_KEY_BYTES = 250;

    private static final String ESCAPED = "~e~";

    private static final String HASHED = "~h~";

    private static final String FENCE = "~f~";

    private static final String FENCE_HASHED = "~F~";

    private static final int SHA256_HEX = 64;

    private static final HexFormat hex = HexFormat.of().withUpperCase();

    private MemcachedKeys() {
    }

    /**
     * The key of a lock.
     * @param namespace the namespace, or {@code null} for none
     * @param name the lock's name
     * @return a valid memcached key, unique to the joined text {@code <namespace>_<name>}
     */
    static String lockKey(@Nullable String namespace, String name) {
        String joined = namespace == null ? name : namespace + "_" + name;
        if (isPlain(joined)) {
            return joined;
        }
        String escaped = escape(joined);
        if (ESCAPED.length() + escaped.length() <= MAX_KEY_BYTES) {
            return ESCAPED + escaped;
        }
        int prefix = MAX_KEY_BYTES - HASHED.length() - 1 - SHA256_HEX;
        String readable = escaped.substring(0, prefix);
        // Do not end the readable part in a torn %XX escape.
        int percent = readable.lastIndexOf('%');
        if (percent >= prefix - 2) {
            readable = readable.substring(0, percent);
        }
        return HASHED + readable + "~" + sha256(joined);
    }

    /**
     * The key of the fencing counter of a lock.
     * @param lockKey the lock's key, from {@link #lockKey}
     * @return a valid memcached key that is never a lock key
     */
    static String fenceKey(String lockKey) {
        if (FENCE.length() + lockKey.length() <= MAX_KEY_BYTES) {
            return FENCE + lockKey;
        }
        return FENCE_HASHED + sha256(lockKey);
    }

    /** Whether the text is a valid key for every client and protocol, and not reserved for escaped keys. */
    static boolean isPlain(String text) {
        if (text.isEmpty() || text.length() > MAX_KEY_BYTES || text.charAt(0) == '~') {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    private static String escape(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 16);
        for (byte b : bytes) {
            if (b >= '!' && b <= '~' && b != '%') {
                out.append((char) b);
            }
            else {
                out.append('%').append(hex.toHexDigits(b));
            }
        }
        return out.toString();
    }

    private static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", ex);
        }
    }
}
