package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
            assertThat(fence).startsWith("sherlock:{").endsWith("}:fence:" + key);
            assertThat(waiting).startsWith("sherlock:{").endsWith("}:waiting:" + key);
            assertThat(slot(fence)).as("slot of %s", fence).isEqualTo(slot(key));
            assertThat(slot(waiting)).as("slot of %s", waiting).isEqualTo(slot(key));
        }
    }

    @Test
    void fenceKeysOfDifferentLocksDiffer() {
        assertThat(RedisKeys.fenceKey("a")).isNotEqualTo(RedisKeys.fenceKey("b"));
        assertThat(RedisKeys.fenceKey("Orders")).isNotEqualTo(RedisKeys.fenceKey("orders"));
    }

    private static int slot(String key) {
        return RedisKeys.slot(key.getBytes(StandardCharsets.UTF_8));
    }
}
