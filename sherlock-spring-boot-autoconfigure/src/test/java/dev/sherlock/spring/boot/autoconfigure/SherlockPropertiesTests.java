package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

class SherlockPropertiesTests {

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class));

    @Test
    void defaultsArePySherlocksSettingsWithoutNamespace() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
            LockRegistry registry = context.getBean(LockRegistry.class);
            assertThat(registry.settings()).isEqualTo(LockSettings.defaults());
            assertThat(registry).hasToString("LockRegistry (backend file)");
        });
    }

    @Test
    void propertiesConfigureRegistry() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory, "sherlock.namespace=billing",
                "sherlock.expire=30s", "sherlock.timeout=2s", "sherlock.retry-interval=20ms",
                "sherlock.auto-renew=false")
            .run(context -> {
                LockRegistry registry = context.getBean(LockRegistry.class);
                assertThat(registry.settings()).isEqualTo(new LockSettings(Duration.ofSeconds(30),
                        Duration.ofSeconds(2), Duration.ofMillis(20), false));
                assertThat(registry.getLock("orders")).hasToString("Lock 'orders' (backend file, namespace 'billing')");
            });
    }

    @Test
    void expireZeroMeansLocksNeverExpire() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory, "sherlock.expire=0")
            .run(context -> assertThat(context.getBean(LockRegistry.class).settings().expire()).isNull());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            timeout        | -1s    | 'sherlock.timeout' must be 0 or positive but was PT-1S
            expire         | -5s    | 'sherlock.expire' must be 0 (never expires) or positive but was PT-5S
            retry-interval | 0      | 'sherlock.retry-interval' must be positive but was PT0S
            expire         | 36501d | 'sherlock.expire' is out of range: 'expire' must be at most 36500 days but was PT876024H; use a lock that never expires instead of a huge expiry
            namespace      | ""     | 'sherlock.namespace' must not be empty; remove it for none
            kubernetes.namespace | "" | 'sherlock.kubernetes.namespace' must not be empty; remove it for the pod's own namespace
            """)
    void invalidValueFailsAtStartupNamingProperty(String property, String value, String message) {
        int dot = property.lastIndexOf('.');
        String group = dot < 0 ? "sherlock" : "sherlock." + property.substring(0, dot);
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory, "sherlock." + property + "=" + value)
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .hasStackTraceContaining("Failed to bind properties under '" + group + "'")
                .hasStackTraceContaining("Unable to set value for property " + property.substring(dot + 1))
                .rootCause()
                .hasMessage(message));
    }

    @Test
    void unknownBackendFailsAtStartupNamingProperty() {
        contextRunner.withPropertyValues("sherlock.backend=zookeeper")
            .run(context -> assertThat(context).hasFailed()
                .getFailure()
                .hasStackTraceContaining("Failed to bind properties under 'sherlock.backend' to"
                        + " dev.sherlock.spring.boot.autoconfigure.SherlockProperties$Backend")
                .rootCause()
                .hasMessage("No enum constant dev.sherlock.spring.boot.autoconfigure.SherlockProperties.Backend"
                        + ".zookeeper"));
    }

    @Test
    void backendValueIsCaseInsensitive() {
        contextRunner.withPropertyValues("sherlock.backend=File", "sherlock.file.directory=" + directory)
            .run(context -> assertThat(context).hasSingleBean(LockRegistry.class));
    }

    @Test
    void backendPropertiesBindWithDefaults() {
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory).run(context -> {
            SherlockProperties properties = context.getBean(SherlockProperties.class);
            assertThat(properties.getBackend()).isEqualTo(SherlockProperties.Backend.FILE);
            assertThat(properties.getMemcached().getServers()).containsExactly("localhost:11211");
            assertThat(properties.getEtcd().getEndpoints()).containsExactly("http://localhost:2379");
            assertThat(properties.getKubernetes().getNamespace()).as("the pod's own, resolved by the backend").isNull();
            assertThat(properties.isCheckAccess()).isTrue();
        });
        contextRunner.withPropertyValues("sherlock.file.directory=" + directory,
                "sherlock.memcached.servers=cache1:11211,cache2:11211",
                "sherlock.etcd.endpoints=http://etcd-0:2379,http://etcd-1:2379", "sherlock.kubernetes.namespace=locks")
            .run(context -> {
                SherlockProperties properties = context.getBean(SherlockProperties.class);
                assertThat(properties.getMemcached().getServers()).containsExactly("cache1:11211", "cache2:11211");
                assertThat(properties.getEtcd().getEndpoints()).containsExactly("http://etcd-0:2379",
                        "http://etcd-1:2379");
                assertThat(properties.getKubernetes().getNamespace()).isEqualTo("locks");
            });
    }

    @Test
    void metadataDescribesEveryProperty() throws Exception {
        String json = new ClassPathResource("META-INF/spring-configuration-metadata.json").getContentAsString(
                java.nio.charset.StandardCharsets.UTF_8);
        List<Map<String, Object>> properties = JsonPath.read(json, "$.properties[*]");
        assertThat(properties).extracting(property -> property.get("name"))
            .containsExactlyInAnyOrder("sherlock.backend", "sherlock.namespace", "sherlock.expire", "sherlock.timeout",
                    "sherlock.retry-interval", "sherlock.auto-renew", "sherlock.check-access", "sherlock.file.directory",
                    "sherlock.redis.notifications", "sherlock.redis.channel", "sherlock.redis.fencing-retention",
                    "sherlock.file.shared-directory", "sherlock.memcached.servers", "sherlock.memcached.username",
                    "sherlock.memcached.password", "sherlock.etcd.endpoints", "sherlock.etcd.username",
                    "sherlock.etcd.password", "sherlock.etcd.authority", "sherlock.etcd.ssl.bundle",
                    "sherlock.etcd.request-timeout", "sherlock.etcd.minimum-lease-ttl", "sherlock.kubernetes.namespace",
                    "sherlock.observations.max-lock-tags", "sherlock.leader.enabled", "sherlock.leader.roles",
                    "management.health.sherlock.enabled", "management.endpoint.sherlock.access",
                    "management.endpoint.sherlock.cache.time-to-live");
        assertThat(properties).allSatisfy(property -> assertThat(property.get("description")).asString().isNotBlank());
        assertThat(properties).filteredOn(property -> property.get("name").equals("sherlock.expire"))
            .singleElement()
            .satisfies(property -> assertThat(property).containsEntry("defaultValue", "60s"));
    }
}
