package dev.sherlock.file;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FileKeysTests {

    @Test
    void plainLowercaseNamesStayReadable() {
        assertThat(FileKeys.key(null, "orders-2024")).isEqualTo("orders-2024");
        assertThat(FileKeys.key("billing", "orders")).isEqualTo("billing.orders");
    }

    @Test
    void namesDifferingInCasePunctuationOrNormalisationNeverShareAKey() {
        List<String> names = List.of("orders", "Orders", "ORDERS", "orders!", "orders_", "orders.", "orders/",
                "orders ", "orders\n", "orders\u0000", "ordérs", "orde\u0301rs", "_6frders", "orders_2e",
                "\uD83D\uDD12", "..", ".", "CON", "nul");
        Set<String> keys = new HashSet<>();
        for (String name : names) {
            String key = FileKeys.key(null, name);
            assertThat(key).matches("[a-z0-9_-]+");
            keys.add(key);
        }
        assertThat(keys).hasSameSizeAs(names);
    }

    @Test
    void namespaceAndNameCannotBeConfusedWithAnotherSplit() {
        assertThat(FileKeys.key("a.b", "c")).isNotEqualTo(FileKeys.key("a", "b.c"));
        assertThat(FileKeys.key("a_b", "c")).isNotEqualTo(FileKeys.key("a", "b_c"));
        assertThat(FileKeys.key(null, "a.b")).isNotEqualTo(FileKeys.key("a", "b"));
    }

    @Test
    void longNamesAreShortenedToValidDistinctFileNames() {
        String first = "x".repeat(1000) + "1";
        String second = "x".repeat(1000) + "2";
        String unicode = "\u65e5".repeat(1000);
        for (String name : List.of(first, second, unicode)) {
            assertThat(FileKeys.key("ns", name).length()).isLessThanOrEqualTo(FileKeys.MAX_LENGTH);
        }
        assertThat(FileKeys.key("ns", first)).isNotEqualTo(FileKeys.key("ns", second)).contains("~");
    }
}
