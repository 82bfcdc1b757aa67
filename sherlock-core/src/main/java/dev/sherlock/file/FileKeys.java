package dev.sherlock.file;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;

/**
 * Maps (namespace, name) to a file name that is valid on every file system and never shared by two locks.
 *
 * <p>Lowercase ASCII letters, digits and {@code -} are kept; every other character, including uppercase letters,
 * becomes {@code _} and the hex of its UTF-8 bytes. The result uses only {@code [a-z0-9_-]}, so names differing in
 * case or punctuation stay apart even on case-insensitive file systems, and the mapping is injective. The namespace
 * is joined with {@code .}, which the encoding never produces. Over-long results keep a readable prefix and end in
 * {@code ~} and the SHA-256 of the whole encoding.
 */
final class FileKeys {

    /** Leaves room for suffixes within the usual 255-byte file name limit. */
    static final int MAX_LENGTH = 200;

    private static final HexFormat hex = HexFormat.of();

    private FileKeys() {
    }

    static String key(@Nullable String namespace, String name) {
        String encoded = namespace == null ? encode(name) : encode(namespace) + "." + encode(name);
        if (encoded.length() <= MAX_LENGTH) {
            return encoded;
        }
        return encoded.substring(0, MAX_LENGTH - 65) + "~" + sha256(encoded);
    }

    private static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
                out.append(c);
            }
            else {
                out.append('_').append(hex.toHexDigits(b));
            }
        }
        return out.toString();
    }

    private static String sha256(String text) {
        try {
            return hex.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", ex);
        }
    }
}
