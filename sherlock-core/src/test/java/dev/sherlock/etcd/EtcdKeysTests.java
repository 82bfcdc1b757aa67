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

    @Test
    void lineEntriesAndHandOverRecordsLiveInTheLocksNamespaceUnderPrefixesNoNameCanStartWith() {
        String key = EtcdKeys.key("billing", "a/b");
        assertThat(EtcdKeys.lineEntry(key, "owner-1")).isEqualTo("sherlock/billing/%wa%2Fb/owner-1");
        assertThat(EtcdKeys.handOverRecord(key)).isEqualTo("sherlock/billing/%ta%2Fb");
        assertThat(EtcdKeys.lineRoot(key)).isEqualTo("sherlock/billing/%w");
        assertThat(EtcdKeys.lineEnd("sherlock/billing/%w")).isEqualTo("sherlock/billing/%x");
        assertThat(EtcdKeys.lineEntry(EtcdKeys.key(null, "orders"), "o")).isEqualTo("sherlock//%worders/o");
        // Lock keys, whatever the name, stay outside the line range of their namespace and never equal a record.
        for (String name : List.of("%w", "%t", "w", "%x", "%", "%wa/o", "%ta", "")) {
            String lock = EtcdKeys.key("billing", name);
            assertThat(lock.compareTo("sherlock/billing/%w") < 0 || lock.compareTo("sherlock/billing/%x") >= 0)
                    .as(lock).isTrue();
            assertThat(lock).doesNotStartWith("sherlock/billing/%t");
        }
    }

    @Test
    void aLineEntryNamesItsLockAndOwner() {
        String key = EtcdKeys.key("billing", "a/b");
        String root = EtcdKeys.lineRoot(key);
        assertThat(EtcdKeys.parseLineEntry(root, EtcdKeys.lineEntry(key, "own/er")))
                .containsExactly(key, "own/er");
        assertThat(EtcdKeys.parseLineEntry(root, "sherlock/billing/%wnoowner")).isNull();
        assertThat(EtcdKeys.parseLineEntry(root, "sherlock/billing/%wname/")).isNull();
        assertThat(EtcdKeys.parseLineEntry(root, "sherlock/other/%wname/o")).isNull();
    }

    @Test
    void keysOfAnotherFormHaveNoLine() {
        assertThat(EtcdKeys.lineRoot("orders")).isNull();
        assertThat(EtcdKeys.lineEntry("sherlock/no-slash", "o")).isNull();
        assertThat(EtcdKeys.handOverRecord("elsewhere/orders")).isNull();
        // Names that key() never makes: a raw slash, a % without two hex digits, a control character.
        for (String name : List.of("a/b", "%wc/y", "%zz", "50%", "5%A", "%2f", "tab\t")) {
            String raw = "sherlock/ns/" + name;
            assertThat(EtcdKeys.lineEntry(raw, "o")).as(raw).isNull();
            assertThat(EtcdKeys.handOverRecord(raw)).as(raw).isNull();
        }
        assertThat(EtcdKeys.parseLineEntry("sherlock/ns/%w", "sherlock/ns/%wa%zz/o")).isNull();
    }
}
