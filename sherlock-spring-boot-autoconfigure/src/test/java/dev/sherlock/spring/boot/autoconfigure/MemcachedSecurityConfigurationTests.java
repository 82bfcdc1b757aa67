package dev.sherlock.spring.boot.autoconfigure;

import java.util.concurrent.TimeUnit;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static dev.sherlock.spring.boot.autoconfigure.StartupRefusals.assertRefusal;
import static dev.sherlock.spring.boot.autoconfigure.StartupRefusals.failureChain;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sherlock.memcached.username} and {@code password} against a real memcached that demands SASL: the
 * application locks with the right ones and fails at startup, naming the server, with wrong or missing ones.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@ExtendWith(OutputCaptureExtension.class)
class MemcachedSecurityConfigurationTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class))
        .withPropertyValues("sherlock.backend=memcached");

    private static String server() {
        LocalServer memcached = TestServers.memcachedSasl();
        return memcached.host() + ":" + memcached.port();
    }

    @Test
    void theRightUserAndPasswordLock() {
        contextRunner.withPropertyValues("sherlock.memcached.servers=" + server(),
                "sherlock.memcached.username=" + TestServers.SASL_USERNAME,
                "sherlock.memcached.password=" + TestServers.SASL_PASSWORD)
            .run(context -> {
                assertThat(context).hasNotFailed();
                LockRegistry registry = context.getBean(LockRegistry.class);
                try (Lock lock = registry.acquire("sasl")) {
                    assertThat(lock.fencingToken()).isPositive();
                    assertThat(registry.getLock("sasl").locked()).isTrue();
                }
                assertThat(registry.getLock("sasl").locked()).isFalse();
            });
    }

    @Test
    void aWrongPasswordFailsAtStartupNamingTheServerAndShowsNowhere(CapturedOutput output) {
        String password = "not-" + TestServers.SASL_PASSWORD;
        contextRunner.withPropertyValues("sherlock.memcached.servers=" + server(),
                "sherlock.memcached.username=" + TestServers.SASL_USERNAME, "sherlock.memcached.password=" + password)
            .run(context -> {
                assertRefusal(context).hasMessageContaining("SASL authentication as 'sherlock' failed on " + server());
                assertThat(failureChain(context)).doesNotContain(password);
            });
        assertThat(output.getAll()).doesNotContain(password);
    }

    @Test
    void noCredentialsForAServerThatDemandsThemFailAtStartup() {
        contextRunner.withPropertyValues("sherlock.memcached.servers=" + server())
            .run(context -> assertRefusal(context).hasMessageContaining("requires SASL authentication"));
    }
}
