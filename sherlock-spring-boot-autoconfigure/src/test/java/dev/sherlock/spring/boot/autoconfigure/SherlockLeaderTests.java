package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.memory.MemoryBackend;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spring.leader.LeaderElections;
import dev.sherlock.spring.leader.LeaderGrantedEvent;
import dev.sherlock.spring.leader.LeaderOnly;
import dev.sherlock.spring.leader.LeaderRevokedEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Leader election in Spring applications: three contexts over one backend elect one leader per role, whose
 * {@code @LeaderOnly} methods alone run; closing the leader's context hands over at once to a greater epoch, with
 * events on both sides.
 */
class SherlockLeaderTests {

    /** One "server" for the contexts of a test, as nodes sharing a backend. */
    private final MemoryBackend backend = new MemoryBackend();

    @TempDir
    Path directory;

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                SherlockLeaderAutoConfiguration.class))
        .withBean(LockBackend.class, () -> backend);

    @ParameterizedTest
    @ValueSource(strings = { "memory", "file", "redis", "etcd" })
    void threeApplicationsElectOneLeaderThatHandsOverAtOnceOnShutdown(String backendName) throws Exception {
        ApplicationContextRunner onBackend = backendName.equals("memory") ? contextRunner
                : new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(BootLine.redis(),
                            SherlockAutoConfiguration.class, SherlockLeaderAutoConfiguration.class))
                    .withPropertyValues(TestBackends.properties(backendName, directory));
        ApplicationContextRunner node = onBackend.withUserConfiguration(ExportConfiguration.class)
            .withPropertyValues("sherlock.leader.roles=exporter,auditor",
                    "sherlock.namespace=leaders-" + UUID.randomUUID());
        List<ConfigurableApplicationContext> nodes = new CopyOnWriteArrayList<>();
        node.run(a -> node.run(b -> node.run(c -> {
            nodes.addAll(List.of(a.getSourceApplicationContext(), b.getSourceApplicationContext(),
                    c.getSourceApplicationContext()));
            await().atMost(Duration.ofSeconds(10)).until(() -> leaders(nodes, "exporter").size() == 1
                    && leaders(nodes, "auditor").size() == 1);
            ConfigurableApplicationContext leader = leaders(nodes, "exporter").get(0);
            long epoch = leader.getBean(LeaderElections.class).leadership("exporter").orElseThrow().epoch();
            assertThat(leader.getBean(Events.class).seen).contains("granted exporter " + epoch);

            for (ConfigurableApplicationContext each : nodes) {
                each.getBean(Exporter.class).export();
            }
            assertThat(nodes.stream().mapToInt(each -> each.getBean(Exporter.class).runs()).sum())
                    .as("@LeaderOnly ran on the leader only").isOne();
            assertThat(leader.getBean(Exporter.class).runs()).isOne();
            assertThat(nodes.get(0).getBean(Exporter.class).lastEpoch()).isIn(Optional.empty(), Optional.of(epoch));

            Events leaderEvents = leader.getBean(Events.class);
            long closed = System.nanoTime();
            leader.close();
            nodes.remove(leader);
            assertThat(leaderEvents.seen).contains("revoked exporter " + epoch + " released");

            await().atMost(Duration.ofSeconds(10)).until(() -> leaders(nodes, "exporter").size() == 1);
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - closed)).as("handed over, not expired")
                    .isLessThan(30);
            long next = leaders(nodes, "exporter").get(0).getBean(LeaderElections.class).leadership("exporter")
                .orElseThrow().epoch();
            assertThat(next).isGreaterThan(epoch);
        })));
    }

    @Test
    void aLeaderOnlyMethodOfARoleThatIsNotElectedFailsAtStartup() {
        contextRunner.withUserConfiguration(ExportConfiguration.class)
            .withPropertyValues("sherlock.leader.roles=auditor").run(context -> {
                assertThat(context).hasFailed();
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                        .isInstanceOf(LockConfigurationException.class).hasMessageContaining("@LeaderOnly on")
                        .hasMessageContaining("SherlockLeaderTests.Exporter.")
                        .hasMessageContaining("role 'exporter'").hasMessageContaining("sherlock.leader.roles");
            });
    }

    @Test
    void aFinalLeaderOnlyMethodFailsAtStartupRatherThanRunEverywhere() {
        contextRunner.withBean(FinalExporter.class, FinalExporter::new)
            .withPropertyValues("sherlock.leader.roles=exporter").run(context -> {
                assertThat(context).hasFailed();
                assertThat(NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
                        .isInstanceOf(LockConfigurationException.class).hasMessageContaining("FinalExporter.export()")
                        .hasMessageContaining("final method is not intercepted");
            });
    }

    @Test
    void withoutRolesNothingIsElectedAndNoThreadRuns() {
        contextRunner.run(context -> {
            assertThat(context.getBean(LeaderElections.class).roles()).isEmpty();
            assertThat(Thread.getAllStackTraces().keySet())
                    .noneMatch(thread -> thread.getName().startsWith("sherlock-leader-"));
        });
        contextRunner.withPropertyValues("sherlock.leader.enabled=false")
            .run(context -> assertThat(context).doesNotHaveBean(LeaderElections.class));
    }

    private static List<ConfigurableApplicationContext> leaders(List<ConfigurableApplicationContext> nodes,
            String role) {
        return nodes.stream().filter(node -> node.getBean(LeaderElections.class).isLeader(role)).toList();
    }

    @Configuration(proxyBeanMethods = false)
    static class ExportConfiguration {

        @Bean
        Exporter exporter(LeaderElections elections) {
            return new Exporter(elections);
        }

        @Bean
        Events events() {
            return new Events();
        }
    }

    static class Exporter {

        private final AtomicInteger runs = new AtomicInteger();

        private final LeaderElections elections;

        Exporter(LeaderElections elections) {
            this.elections = elections;
        }

        @LeaderOnly(role = "exporter")
        public void export() {
            runs.incrementAndGet();
        }

        public int runs() {
            return runs.get();
        }

        @LeaderOnly(role = "exporter")
        public Optional<Long> lastEpoch() {
            return Optional.of(elections.leadership("exporter").orElseThrow().epoch());
        }
    }

    static class FinalExporter {

        @LeaderOnly(role = "exporter")
        public final void export() {
        }
    }

    static class Events implements ApplicationListener<org.springframework.context.ApplicationEvent> {

        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(org.springframework.context.ApplicationEvent event) {
            if (event instanceof LeaderGrantedEvent granted) {
                seen.add("granted " + granted.leadership().role() + " " + granted.leadership().epoch());
            }
            else if (event instanceof LeaderRevokedEvent revoked) {
                seen.add("revoked " + revoked.leadership().role() + " " + revoked.leadership().epoch()
                        + (revoked.lost() ? " lost" : " released"));
            }
        }
    }
}
