package dev.sherlock;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Owner tokens: a random 128-bit process prefix and a counter, unique across processes and acquisitions and cheap
 * to make on the hot path.
 */
final class Owners {

    private static final String prefix = randomPrefix();

    private static final AtomicLong counter = new AtomicLong();

    private Owners() {
    }

    static String next() {
        return prefix + "-" + counter.incrementAndGet();
    }

    private static String randomPrefix() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
