package dev.sherlock.memcached;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MemcachedKeysTests {

    /** Names that are plain keys, names that must be escaped, and pairs built to collide if escaping were naive. */
    private static final List<String> NAMES = List.of("orders", "Orders", "orders!", "orders_", "orders.", "a/b:c",
            "{x}", "50%", "daily report", "daily%20report", "~e~daily%20report", "~orders", "~e~~orders", "~h~x",
            "~f~orders", "~F~orders", "tab\there", "line\n", "del\u007f", "zamówienie", "zamo\u0301wienie", "日本",
            "\uD83D\uDD12", "x".repeat(250), "x".repeat(251), "x".repeat(900), "x".repeat(899) + "y", "é".repeat(200),
            "%".repeat(100), "%".repeat(101));

    @Test
    void plainNamesUsePySherlockLayout() {
        assertThat(MemcachedKeys.lockKey("billing", "orders")).isEqualTo("billing_orders");
        assertThat(MemcachedKeys.lockKey(null, "orders")).isEqualTo("orders");
        assertThat(MemcachedKeys.lockKey("app", "a/b:c{d}!")).isEqualTo("app_a/b:c{d}!");
        assertThat(MemcachedKeys.lockKey(null, "50%")).isEqualTo("50%");
        assertThat(MemcachedKeys.lockKey(null, "x".repeat(250))).isEqualTo("x".repeat(250));
    }

    @Test
    void joinedTextDecidesTheKeyAsInPySherlock() {
        assertThat(MemcachedKeys.lockKey("a", "b_c")).isEqualTo("a_b_c")
                .isEqualTo(MemcachedKeys.lockKey("a_b", "c")).isEqualTo(MemcachedKeys.lockKey(null, "a_b_c"));
    }

    @Test
    void spacesControlCharactersAndNonAsciiAreEscaped() {
        assertThat(MemcachedKeys.lockKey(null, "daily report")).isEqualTo("~e~daily%20report");
        assertThat(MemcachedKeys.lockKey("my app", "orders")).isEqualTo("~e~my%20app_orders");
        assertThat(MemcachedKeys.lockKey(null, "line\n")).isEqualTo("~e~line%0A");
        assertThat(MemcachedKeys.lockKey(null, "del\u007f")).isEqualTo("~e~del%7F");
        assertThat(MemcachedKeys.lockKey(null, "zamówienie")).isEqualTo("~e~zam%C3%B3wienie");
        assertThat(MemcachedKeys.lockKey(null, "50% off")).isEqualTo("~e~50%25%20off");
    }

    @Test
    void namesStartingWithTildeAreEscapedSoTheyNeverLookEscaped() {
        assertThat(MemcachedKeys.lockKey(null, "~orders")).isEqualTo("~e~~orders");
        assertThat(MemcachedKeys.lockKey(null, "~e~daily%20report"))
                .isNotEqualTo(MemcachedKeys.lockKey(null, "daily report"));
    }

    @Test
    void namesTooLongForAKeyAreHashedWithinTheLimit() {
        String key = MemcachedKeys.lockKey(null, "x".repeat(251));
        assertThat(key).startsWith("~h~xxx").matches(".*~[0-9a-f]{64}").hasSizeLessThanOrEqualTo(250);
        assertThat(MemcachedKeys.lockKey(null, "x".repeat(900)))
                .isNotEqualTo(MemcachedKeys.lockKey(null, "x".repeat(899) + "y"));
    }

    @Test
    void hashedKeysDoNotEndTheirReadablePartInATornEscape() {
        for (int i = 0; i < 8; i++) {
            String key = MemcachedKeys.lockKey(null, "x".repeat(i) + "é".repeat(200));
            String readable = key.substring(3, key.length() - 65);
            assertThat(readable).as(key).matches("x*(%C3%A9)*(%C3)?");
        }
    }

    @Test
    void everyKeyIsAValidMemcachedKey() {
        for (String name : NAMES) {
            for (String key : List.of(MemcachedKeys.lockKey(null, name), MemcachedKeys.lockKey("ns", name),
                    MemcachedKeys.fenceKey(MemcachedKeys.lockKey(null, name)))) {
                byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
                assertThat(bytes.length).as(key).isBetween(1, MemcachedKeys.MAX_KEY_BYTES);
                for (byte b : bytes) {
                    assertThat(b).as(key).isBetween((byte) '!', (byte) '~');
                }
            }
        }
    }

    @Test
    void differentNamesNeverShareAKey() {
        Set<String> keys = new HashSet<>();
        for (String name : NAMES) {
            keys.add(MemcachedKeys.lockKey(null, name));
        }
        assertThat(keys).hasSameSizeAs(NAMES);
    }

    @Test
    void fencingCounterKeysNeverEqualLockKeys() {
        List<String> lockKeys = new ArrayList<>();
        Set<String> all = new HashSet<>();
        for (String name : NAMES) {
            lockKeys.add(MemcachedKeys.lockKey(null, name));
        }
        all.addAll(lockKeys);
        for (String lockKey : lockKeys) {
            String fenceKey = MemcachedKeys.fenceKey(lockKey);
            assertThat(fenceKey).matches("~[fF]~.*");
            all.add(fenceKey);
        }
        assertThat(all).hasSize(lockKeys.size() * 2);
        assertThat(lockKeys).noneMatch(key -> key.startsWith("~f~") || key.startsWith("~F~"));
        assertThat(MemcachedKeys.fenceKey("x".repeat(250))).startsWith("~F~").hasSize(67);
    }
}
