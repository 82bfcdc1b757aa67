package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisKeysTests {

    @Test
    void lockKeyIsPySherlocksNamespaceUnderscoreName() {
        assertThat(RedisKeys.lockKey("billing", "orders")).isEqualTo("billing_orders");
        assertThat(RedisKeys.lockKey(null, "orders")).isEqualTo("orders");
        assertThat(RedisKeys.lockKey("billing", "日本 {x}")).isEqualTo("billing_日本 {x}");
    }

    @Test
    void crc16IsRedisClustersXmodemChecksum() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(RedisKeys.crc16(check, 0, check.length)).isEqualTo(0x31C3);
    }

    @Test
    void slotFollowsTheFirstNonEmptyHashTag() {
        assertThat(slot("foo")).isEqualTo(12182);
        assertThat(slot("{user1000}.following")).isEqualTo(slot("{user1000}.followers")).isEqualTo(slot("user1000"));
        byte[] emptyTag = "foo{}{bar}".getBytes(StandardCharsets.US_ASCII);
        assertThat(slot("foo{}{bar}")).isEqualTo(RedisKeys.crc16(emptyTag, 0, emptyTag.length) & 16383)
                .isNotEqualTo(slot("bar"));
        assertThat(slot("foo{{bar}}zap")).isEqualTo(slot("{bar"));
        assertThat(slot("foo{bar}{zap}")).isEqualTo(slot("bar"));
    }

    @Test
    void companionKeysShareTheLockKeysSlotWhateverBracesTheNameHas() {
        for (String key : new String[] {"orders", "billing_orders", "{user1}orders", "orders{eu}", "a}b", "a}b{c}",
                "{}x", "{", "}", "{}", "日本{語}", "x".repeat(2000)}) {
            String fence = RedisKeys.fenceKey(key);
            String waiting = RedisKeys.waitingKey(key);
            String released = RedisKeys.releasedKey(key);
            assertThat(fence).startsWith("sherlock:{").endsWith("}:fence:" + key);
            assertThat(waiting).startsWith("sherlock:{").endsWith("}:waiters:" + key);
            assertThat(slot(fence)).as("slot of %s", fence).isEqualTo(slot(key));
            assertThat(slot(waiting)).as("slot of %s", waiting).isEqualTo(slot(key));
            assertThat(released).startsWith("sherlock:{").endsWith("}:released:" + key);
            assertThat(slot(released)).as("slot of %s", released).isEqualTo(slot(key));
        }
    }

    @Test
    void fenceKeysOfDifferentLocksDiffer() {
        assertThat(RedisKeys.fenceKey("a")).isNotEqualTo(RedisKeys.fenceKey("b"));
        assertThat(RedisKeys.fenceKey("Orders")).isNotEqualTo(RedisKeys.fenceKey("orders"));
    }

    @Test
    void keysThatCouldBeAnotherLocksCompanionKeyAreRefused() {
        String fence = RedisKeys.fenceKey("orders");
        assertThatThrownBy(() -> RedisKeys.lockKey(null, fence)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("its Redis key '" + fence + "' starts with 'sherlock:{', which Sherlock reserves for its"
                        + " own keys (fencing counters and waiting marks), so it could be another lock's fencing"
                        + " counter. Use a name (and namespace) whose key does not start so");
        assertThatThrownBy(() -> RedisKeys.lockKey(null, RedisKeys.waitingKey("billing_orders")))
                .isInstanceOf(IllegalArgumentException.class);
        // The namespace is part of the key: sherlock:{78f}:fence:x with name "orders" is the counter of "x_orders".
        String namespace = RedisKeys.fenceKey("x_orders").replaceFirst("_orders$", "");
        assertThatThrownBy(() -> RedisKeys.lockKey(namespace, "orders")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisKeys.lockKey(null, "sherlock:{")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ordinaryNamesThatMerelyMentionSherlockKeepPySherlocksKey() {
        for (String name : new String[] {"sherlock", "sherlock:", "sherlock:orders", "sherlock:{", "Sherlock:{x}",
                " sherlock:{x}", "sherlock:[x]", "orders:sherlock:{x}"}) {
            if (!name.equals("sherlock:{")) {
                assertThat(RedisKeys.lockKey(null, name)).isEqualTo(name);
            }
            assertThat(RedisKeys.lockKey("billing", name)).isEqualTo("billing_" + name);
        }
    }

    @Test
    void noTwoLocksTouchTheSameKeyInternalKeysIncluded() {
        List<String> names = new ArrayList<>(List.of("orders", "Orders", "orders{eu}", "{orders}", "a}b", "{}x", "日本",
                "fence:orders", "waiters:orders", "waiting:orders", ":fence:orders", "sherlock", "sherlock:x", "x".repeat(1024)));
        int bases = names.size();
        for (String name : List.copyOf(names)) {
            // Names made of another lock's companion keys, minus the reserved start, and with it (refused below).
            names.add(RedisKeys.fenceKey(name).substring(1));
            names.add(RedisKeys.fenceKey(name));
            names.add(RedisKeys.waitingKey(name));
            names.add(RedisKeys.releasedKey(name));
        }
        Map<String, String> owners = new HashMap<>();
        int accepted = 0;
        for (String namespace : new String[] {null, "billing", "sherlock:{0}:fence:billing"}) {
            for (String name : names) {
                String lockKey;
                try {
                    lockKey = RedisKeys.lockKey(namespace, name);
                }
                catch (IllegalArgumentException refused) {
                    assertThat(namespace == null ? name : namespace + "_" + name).startsWith("sherlock:{");
                    continue;
                }
                accepted++;
                String lock = namespace + "/" + name;
                for (String key : List.of(lockKey, RedisKeys.fenceKey(lockKey), RedisKeys.waitingKey(lockKey),
                        RedisKeys.releasedKey(lockKey))) {
                    String previous = owners.put(key, lock);
                    assertThat(previous).as("key %s of lock %s", key, lock).isNull();
                }
            }
        }
        // Without a namespace the three companion-key names of each base name are refused; in "billing" nothing is; in
        // a namespace that starts like a companion key everything is.
        assertThat(accepted).isEqualTo(names.size() - 3 * bases + names.size());
    }

    private static int slot(String key) {
        return RedisKeys.slot(key.getBytes(StandardCharsets.UTF_8));
    }
}
