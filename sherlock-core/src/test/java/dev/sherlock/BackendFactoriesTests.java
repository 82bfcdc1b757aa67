package dev.sherlock;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.sherlock.file.FileBackendFactory;
import dev.sherlock.spi.BackendFactory;
import dev.sherlock.spi.LockBackend;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class BackendFactoriesTests {

    @TempDir
    Path classes;

    @Test
    void aFactoryThatCannotBeLoadedOrCreatedIsSkippedAndTheOthersStillServe() throws IOException {
        Path services = classes.resolve("META-INF/services/" + BackendFactory.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, String.join("\n", FailingFactory.class.getName(), "dev.sherlock.NoSuchFactory",
                WorkingFactory.class.getName()) + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] { classes.toUri().toURL() },
                getClass().getClassLoader())) {
            List<BackendFactory> factories = BackendFactories.load(loader);
            assertThat(factories).extracting(Object::getClass).contains(FileBackendFactory.class,
                    WorkingFactory.class).doesNotContain(FailingFactory.class);
            assertThat(factories.stream().filter(factory -> factory.defaultBackend() != null)).hasSize(1);
        }
    }

    /** A factory whose constructor fails, as one whose client library is half present would. */
    public static final class FailingFactory implements BackendFactory {

        public FailingFactory() {
            throw new IllegalStateException("broken factory");
        }

        @Override
        public @Nullable LockBackend forClient(Object client) {
            return null;
        }

        @Override
        public String accepts() {
            return "nothing";
        }
    }

    /** A factory listed after the broken entries. */
    public static final class WorkingFactory implements BackendFactory {

        @Override
        public @Nullable LockBackend forClient(Object client) {
            return null;
        }

        @Override
        public String accepts() {
            return "nothing either";
        }
    }
}
