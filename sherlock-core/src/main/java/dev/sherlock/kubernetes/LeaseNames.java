package dev.sherlock.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.regex.Pattern;

import dev.sherlock.LockConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * Maps (Sherlock namespace, lock name) to a Lease name, and checks Kubernetes namespaces.
 *
 * <p>A Lease name must be a DNS-1123 subdomain: at most 253 characters, lowercase letters, digits, {@code -} and
 * {@code .}, each {@code .}-separated part starting and ending with a letter or digit. The Lease name is
 * {@code sherlock.<namespace>.<name>}, or {@code sherlock.<name>} without a namespace. A part that is already a
 * lowercase DNS label without {@code --} is kept as it is ({@code orders}); any other part becomes a readable
 * prefix, {@code --} and 26 base-32 characters of its SHA-256 ({@code orders-eu--3k...}). Kept parts never contain
 * {@code --} and hashed ones always do, parts never contain {@code .}, so two different (namespace, name) pairs only
 * share a Lease name if their 130-bit hashes collide. The longest result has 146 characters.
 */
final class LeaseNames {

    static final String PREFIX = "sherlock";

    /** A DNS-1123 label: what Kubernetes namespaces and our kept parts are. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private static final Pattern SUBDOMAIN = Pattern
        .compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private static final int READABLE_LENGTH = 40;

    private static final int HASH_LENGTH = 26;

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private LeaseNames() {
    }

    static String leaseName(@Nullable String namespace, String name) {
        return namespace == null ? PREFIX + "." + part(name) : PREFIX + "." + part(namespace) + "." + part(name);
    }

    static boolean isValidLeaseName(String name) {
        return name.length() <= 253 && SUBDOMAIN.matcher(name).matches();
    }

    /** Whether the text is a valid Kubernetes namespace name, a DNS-1123 label. */
    static boolean isKubernetesNamespace(String namespace) {
        return LABEL.matcher(namespace).matches();
    }

    /**
     * Checks a Kubernetes namespace, which must be a DNS-1123 label.
     * @throws LockConfigurationException naming the value and the rule it breaks
     */
    static String requireKubernetesNamespace(@Nullable String namespace) {
        if (namespace == null) {
            throw new LockConfigurationException("Backend kubernetes: 'namespace' (the Kubernetes namespace holding the"
                    + " Lease objects) must not be null. Set it, e.g. to 'default'");
        }
        if (!isKubernetesNamespace(namespace)) {
            throw new LockConfigurationException("Backend kubernetes: 'namespace' '" + namespace
                    + "' is not a valid Kubernetes namespace: it must be a DNS-1123 label, at most 63 lowercase"
                    + " letters, digits and '-', starting and ending with a letter or digit (e.g. 'default' or"
                    + " 'billing-locks')");
        }
        return namespace;
    }

    private static String part(String text) {
        if (LABEL.matcher(text).matches() && !text.contains("--")) {
            return text;
        }
        return readable(text) + "--" + hash(text);
    }

    /** Lowercase ASCII letters and digits of the text, other runs as one {@code -}; never empty. */
    private static String readable(String text) {
        StringBuilder out = new StringBuilder(READABLE_LENGTH);
        String lower = text.toLowerCase(Locale.ROOT);
        for (int i = 0; i < lower.length() && out.length() < READABLE_LENGTH; i++) {
            char c = lower.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                out.append(c);
            }
            else if (out.length() > 0 && out.charAt(out.length() - 1) != '-') {
                out.append('-');
            }
        }
        while (out.length() > 0 && out.charAt(out.length() - 1) == '-') {
            out.setLength(out.length() - 1);
        }
        return out.length() == 0 ? "x" : out.toString();
    }

    private static String hash(String text) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", ex);
        }
        StringBuilder out = new StringBuilder(HASH_LENGTH);
        int buffer = 0;
        int bits = 0;
        for (int i = 0; out.length() < HASH_LENGTH; ) {
            if (bits < 5) {
                buffer = (buffer << 8) | (digest[i++] & 0xff);
                bits += 8;
            }
            out.append(BASE32[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
        return out.toString();
    }
}
