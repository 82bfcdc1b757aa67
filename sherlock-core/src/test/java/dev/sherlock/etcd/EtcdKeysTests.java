package dev.sherlock.etcd;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EtcdKeysTests {

    @Test
    void keysArePrefixedNamespaceSlashName() {
        assertThat(EtcdKeys.key("billing", "orders")).isEqualTo("sherlock/billing/orders");
        assertThat(EtcdKeys.key(null, "orders")).isEqualTo("sherlock//orders");
    }

    @Test
    void unicodeStaysReadableWhileSlashPercentAndControlsAreEscaped() {
        assertThat(EtcdKeys.key("日本", "zähler 🔒")).isEqualTo("sherlock/日本/zähler 🔒");
        assertThat(EtcdKeys.key("a/b", "c%d\n\u007f")).isEqualTo("sherlock/a%2Fb/c%25d%0A%7F");
    }

    @Test
    void aNameContainingSlashNeverCollidesWithANamespace() {
        assertThat(EtcdKeys.key(null, "billing/orders")).isNotEqualTo(EtcdKeys.key("billing", "orders"));
        assertThat(EtcdKeys.key("a", "b/c")).isNotEqualTo(EtcdKeys.key("a/b", "c"));
        assertThat(EtcdKeys.key(null, "%2F")).isNotEqualTo(EtcdKeys.key(null, "/"));
    }

    @Test
    void distinctNamespaceAndNamePairsMapToDistinctKeys() {
        List<String> parts = List.of("a", "b", "a/b", "b/", "/", "%", "%2F", "%25", "A", "ö", "o\u0308", " ", "\n", "",
                "sherlock", "a%2Fb");
        Set<String> keys = new HashSet<>();
        int pairs = 0;
        for (String namespace : parts) {
            for (String name : parts) {
                if (name.isEmpty()) {
                    continue;
                }
                pairs++;
                keys.add(EtcdKeys.key(namespace.isEmpty() ? null : namespace, name));
            }
        }
        assertThat(keys).hasSize(pairs);
    }
}
