package dev.sherlock.etcd;

import org.jspecify.annotations.Nullable;

/**
 * Maps (namespace, name) to an etcd key of the form {@code sherlock/<namespace>/<name>}, and a lock key to the keys
 * that go with it: the line of its waiters, {@code sherlock/<namespace>/%w<name>/<owner>}, and the record of the
 * latest hand-over, {@code sherlock/<namespace>/%t<name>}.
 *
 * <p>Both parts keep their Unicode text, except {@code /}, {@code %} and control characters, which become {@code %}
 * and two uppercase hex digits. The first unescaped {@code /} after the prefix therefore always ends the namespace,
 * so a name containing {@code /} never collides with a namespace, and the mapping is injective. Without a namespace
 * the segment is empty ({@code sherlock//orders}); namespaces are never empty, so that cannot collide either. An
 * escaped name never starts with {@code %w} or {@code %t} (a {@code %} is always followed by two hex digits), so line
 * entries and hand-over records never collide with lock keys, and one namespace's line entries form one range.
 */
final class EtcdKeys {

    /** Every Sherlock key starts with it, so one prefix lists or secures them all. */
    static final String PREFIX = "sherlock/";

    /** Starts the line entries in a namespace: never the start of an escaped name. */
    private static final String LINE = "%w";

    /** Starts the hand-over records in a namespace: never the start of an escaped name. */
    private static final String HANDED = "%t";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private EtcdKeys() {
    }

    static String key(@Nullable String namespace, String name) {
        StringBuilder key = new StringBuilder(PREFIX.length() + name.length() + 16
                + (namespace == null ? 0 : namespace.length()));
        key.append(PREFIX);
        if (namespace != null) {
            escape(namespace, key);
        }
        key.append('/');
        escape(name, key);
        return key.toString();
    }

    /**
     * The start of the range that holds the line entries of every lock in {@code key}'s namespace; {@code null} if
     * {@code key} is not of this class's form.
     */
    static @Nullable String lineRoot(String key) {
        int slash = namespaceEnd(key);
        return slash < 0 ? null : key.substring(0, slash + 1) + LINE;
    }

    /** The end (exclusive) of the range that starts at {@code lineRoot}. */
    static String lineEnd(String lineRoot) {
        return lineRoot.substring(0, lineRoot.length() - 1) + (char) (lineRoot.charAt(lineRoot.length() - 1) + 1);
    }

    /** The line entry of {@code owner} waiting for {@code key}; {@code null} if the key is not of this class's form. */
    static @Nullable String lineEntry(String key, String owner) {
        int slash = namespaceEnd(key);
        if (slash < 0) {
            return null;
        }
        return key.substring(0, slash + 1) + LINE + key.substring(slash + 1) + '/' + owner;
    }

    /**
     * The lock key and the owner of a line entry in the range at {@code lineRoot}: {@code [key, owner]}, or
     * {@code null} if the entry is malformed.
     */
    static String @Nullable [] parseLineEntry(String lineRoot, String entry) {
        if (!entry.startsWith(lineRoot)) {
            return null;
        }
        int slash = entry.indexOf('/', lineRoot.length());
        if (slash < 0 || slash == entry.length() - 1 || !escaped(entry, lineRoot.length(), slash)) {
            return null;
        }
        String namespace = lineRoot.substring(0, lineRoot.length() - LINE.length());
        return new String[] {namespace + entry.substring(lineRoot.length(), slash), entry.substring(slash + 1)};
    }

    /** The record of the latest hand-over of {@code key}; {@code null} if the key is not of this class's form. */
    static @Nullable String handOverRecord(String key) {
        int slash = namespaceEnd(key);
        return slash < 0 ? null : key.substring(0, slash + 1) + HANDED + key.substring(slash + 1);
    }

    /**
     * The index of the slash that ends the namespace, or -1 if {@code key} is not of this class's form (a key of
     * another form has no line, so it can never be taken for a line entry, nor an entry for it).
     */
    private static int namespaceEnd(String key) {
        if (!key.startsWith(PREFIX)) {
            return -1;
        }
        int slash = key.indexOf('/', PREFIX.length());
        return slash >= 0 && escaped(key, slash + 1, key.length()) ? slash : -1;
    }

    /** Whether {@code text[from, to)} is an escaped name: no slash or control character, {@code %} only as %XX. */
    private static boolean escaped(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '/' || c < 0x20 || c == 0x7f) {
                return false;
            }
            if (c == '%') {
                if (i + 2 >= to || !hex(text.charAt(i + 1)) || !hex(text.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            }
        }
        return true;
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'F';
    }

    private static void escape(String text, StringBuilder out) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '/' || c == '%' || c < 0x20 || c == 0x7f) {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
            else {
                out.append(c);
            }
        }
    }
}
