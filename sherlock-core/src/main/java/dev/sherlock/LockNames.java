package dev.sherlock;

import org.jspecify.annotations.Nullable;

/**
 * Validation of lock names and namespaces. Content is free (any Unicode maps to a key on every backend); only
 * what cannot be mapped without ambiguity is refused.
 */
final class LockNames {

    /** Longest accepted name or namespace, in UTF-16 chars. */
    static final int MAX_LENGTH = 1024;

    private LockNames() {
    }

    static void validate(@Nullable String name, @Nullable String namespace, String backend) {
        String shown = name == null ? "null" : name.length() > 64 ? name.substring(0, 64) + "…" : name;
        String problem = problem("name", name);
        if (problem == null && namespace != null) {
            problem = problem("namespace", namespace);
        }
        if (problem != null) {
            throw new LockConfigurationException(LockId.describe(shown, namespace, backend) + ": " + problem);
        }
    }

    private static @Nullable String problem(String field, @Nullable String value) {
        if (value == null) {
            return "'" + field + "' must not be null";
        }
        if (value.isEmpty()) {
            return "'" + field + "' must not be empty";
        }
        if (value.length() > MAX_LENGTH) {
            return "'" + field + "' must be at most " + MAX_LENGTH + " characters but has " + value.length();
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            }
            else if (Character.isSurrogate(c)) {
                // A lone surrogate has no UTF-8 form: two such names would share a key.
                return "'" + field + "' contains an unpaired surrogate at index " + i;
            }
        }
        return null;
    }
}
