package dev.sherlock.kubernetes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sherlock.LockConfigurationException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaseNamesTests {

    private static final List<String> NAMES = List.of("orders", "Orders", "ORDERS", "orders.eu", "orders-eu",
            "orders--eu", "orders_eu", "orders eu", "-orders", "orders-", "0", "00", "a.b.c", "sherlock", "x",
            "x--aaaaaaaaaaaaaaaaaaaaaaaaaa", "billing.orders", "billing-orders", "ö", "o\u0308", "\u65e5\u672c",
            "\uD83D\uDD12", "\n", " ", ".", "-", "--", "a".repeat(63), "a".repeat(64), "a".repeat(1024),
            "b".repeat(1024), "a".repeat(40) + "!", "a".repeat(40) + "?");

    @Test
    @DisplayName("lock names that are lowercase DNS labels keep their name, behind the sherlock prefix")
    void simpleNamesStayReadable() {
        assertThat(LeaseNames.leaseName(null, "orders")).isEqualTo("sherlock.orders");
        assertThat(LeaseNames.leaseName("billing", "orders")).isEqualTo("sherlock.billing.orders");
        assertThat(LeaseNames.leaseName("billing", "orders-eu-1")).isEqualTo("sherlock.billing.orders-eu-1");
    }

    @Test
    @DisplayName("other names keep a readable prefix and end in a hash")
    void otherNamesGetReadablePrefixAndHash() {
        assertThat(LeaseNames.leaseName(null, "Orders.EU")).matches("sherlock\\.orders-eu--[a-z2-7]{26}");
        assertThat(LeaseNames.leaseName("Billing", "\u65e5\u672c"))
            .matches("sherlock\\.billing--[a-z2-7]{26}\\.x--[a-z2-7]{26}");
    }

    @Test
    @DisplayName("every (namespace, name) pair maps to a valid Lease name of at most 253 characters")
    void everyNameIsValid() {
        for (String namespace : withNull(NAMES)) {
            for (String name : NAMES) {
                String lease = LeaseNames.leaseName(namespace, name);
                assertThat(LeaseNames.isValidLeaseName(lease)).as("%s / %s -> %s", namespace, name, lease).isTrue();
                assertThat(lease.length()).isLessThanOrEqualTo(146);
            }
        }
    }

    @Test
    @DisplayName("two different (namespace, name) pairs never share a Lease name")
    void pairsNeverCollide() {
        Map<String, String> seen = new HashMap<>();
        for (String namespace : withNull(NAMES)) {
            for (String name : NAMES) {
                String pair = namespace + " / " + name;
                String previous = seen.put(LeaseNames.leaseName(namespace, name), pair);
                assertThat(previous).as("%s and %s", previous, pair).isNull();
            }
        }
        assertThat(seen).hasSize((NAMES.size() + 1) * NAMES.size());
    }

    @ParameterizedTest
    @ValueSource(strings = { "default", "kube-system", "a", "0", "team-1-locks" })
    @DisplayName("DNS-1123 labels are accepted as Kubernetes namespaces")
    void validNamespaces(String namespace) {
        assertThat(LeaseNames.requireKubernetesNamespace(namespace)).isEqualTo(namespace);
        assertThat(LeaseNames.requireKubernetesNamespace("n".repeat(63))).hasSize(63);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "Default", "kube_system", "-a", "a-", "a.b", "name with space", "ö" })
    @DisplayName("other Kubernetes namespaces fail fast with a message naming the value and the rule")
    void invalidNamespaces(String namespace) {
        assertThatThrownBy(() -> LeaseNames.requireKubernetesNamespace(namespace))
            .isInstanceOf(LockConfigurationException.class)
            .hasMessage("Backend kubernetes: 'namespace' '" + namespace + "' is not a valid Kubernetes namespace: it"
                    + " must be a DNS-1123 label, at most 63 lowercase letters, digits and '-', starting and ending"
                    + " with a letter or digit (e.g. 'default' or 'billing-locks')");
    }

    @Test
    @DisplayName("a namespace that is too long or missing fails fast too")
    void longOrMissingNamespace() {
        assertThatThrownBy(() -> LeaseNames.requireKubernetesNamespace("n".repeat(64)))
            .isInstanceOf(LockConfigurationException.class).hasMessageContaining("at most 63");
        assertThatThrownBy(() -> LeaseNames.requireKubernetesNamespace(null))
            .isInstanceOf(LockConfigurationException.class).hasMessageContaining("'namespace'")
            .hasMessageContaining("must not be null");
    }

    private static List<String> withNull(List<String> values) {
        List<String> all = new ArrayList<>(values);
        all.add(null);
        return all;
    }
}
