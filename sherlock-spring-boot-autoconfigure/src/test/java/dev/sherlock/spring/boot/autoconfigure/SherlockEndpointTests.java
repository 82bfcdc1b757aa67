package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.spring.actuate.SherlockEndpoint;
import dev.sherlock.spring.actuate.SherlockEndpoint.LockDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code sherlock} actuator endpoint lists the locks this JVM holds, once the application exposes it. */
class SherlockEndpointTests {

    @TempDir
    Path directory;

    /** Made per test: the temporary directory is injected after the fields are initialised. */
    private ApplicationContextRunner contextRunner() {
        return new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class,
                    SherlockEndpointAutoConfiguration.class))
            .withPropertyValues("sherlock.file.directory=" + directory, "sherlock.namespace=billing");
    }

    @Test
    void anExposedEndpointListsTheHeldLocksWithTokenAndHolder() {
        contextRunner().withPropertyValues("management.endpoints.web.exposure.include=sherlock").run(context -> {
            SherlockEndpoint endpoint = context.getBean(SherlockEndpoint.class);
            assertThat(endpoint.locks().registries().get("sherlockLockRegistry").locks()).isEmpty();

            try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                LockDescriptor listed = endpoint.locks().registries().get("sherlockLockRegistry").locks().get(0);

                assertThat(listed.name()).isEqualTo("orders");
                assertThat(listed.namespace()).isEqualTo("billing");
                assertThat(listed.backend()).isEqualTo("file");
                assertThat(listed.state()).isEqualTo("held");
                assertThat(listed.fencingToken()).isEqualTo(lock.fencingToken());
                assertThat(listed.holderThread()).isEqualTo(Thread.currentThread().getName());
                assertThat(listed.heldFor()).startsWith("PT");
                assertThat(listed.validFor()).startsWith("PT");
                assertThat(listed.waiters()).isZero();
            }
            assertThat(endpoint.locks().registries().get("sherlockLockRegistry").locks()).isEmpty();
        });
    }

    @Test
    void anEndpointTheApplicationDoesNotExposeIsNotThere() {
        contextRunner().run(context -> assertThat(context).doesNotHaveBean(SherlockEndpoint.class));
    }
}
