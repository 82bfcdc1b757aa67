package dev.sherlock.kubernetes;

import org.jspecify.annotations.Nullable;

/**
 * Comparison of {@code metadata.resourceVersion} values.
 *
 * <p>Kubernetes long documented resource versions as opaque; KEP-5504 ("Comparable Resource Version", stable in
 * Kubernetes 1.35) defines them as decimal integers that clients may compare, which every kube-apiserver has in fact
 * served (they are etcd revisions). Values that are not canonical decimal integers are treated as incomparable, and
 * every caller then falls back to what needs only equality.
 */
final class ResourceVersions {

    private ResourceVersions() {
    }

    /**
     * The resource version as a number, or {@code 0} if it is not a canonical positive decimal that fits a long.
     */
    static long number(@Nullable String resourceVersion) {
        if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.length() > 18
                || resourceVersion.charAt(0) == '0') {
            return 0;
        }
        long value = 0;
        for (int i = 0; i < resourceVersion.length(); i++) {
            char c = resourceVersion.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Whether {@code candidate} is known to be older than {@code current}; {@code false} when incomparable. */
    static boolean isOlder(String candidate, String current) {
        long a = number(candidate);
        long b = number(current);
        return a > 0 && b > 0 && a < b;
    }
}
