package dev.sherlock.etcd;

import org.jspecify.annotations.Nullable;

/**
 * Maps (namespace, name) to an etcd key of the form {@code sherlock/<namespace>/<name>}.
 *
 * <p>Both parts keep their Unicode text, except {@code /}, {@code %} and control characters, which become {@code %}
 * and two uppercase hex digits. The first unescaped {@code /} after the prefix therefore always ends the namespace,
 * so a name containing {@code /} never collides with a namespace, and the mapping is injective. Without a namespace
 * the segment is empty ({@code sherlock//orders}); namespaces are never empty, so that cannot collide either.
 */
final class EtcdKeys {

    /** Every Sherlock key starts with it, so one prefix lists or secures them all. */
    static final String PREFIX = "sherlock/";

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
