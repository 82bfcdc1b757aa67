package dev.sherlock.spring.boot.autoconfigure;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.spi.LockBackend;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole Spring Boot application (every auto-configuration on the class path, as {@code @SpringBootApplication}
 * enables them) starts without a warning or an error when only one backend's client library is present, or none:
 * a new user's first log is clean whatever backend they picked. Each start runs in a class loader of its own over
 * the test class path without the other clients' jars, as an application that never added them.
 */
@ExtendWith(OutputCaptureExtension.class)
class CleanStartupTests {

    /** The jars of each backend's client library, by a part of their file name. */
    private static final Map<String, List<String>> CLIENT_JARS = Map.of(
            "redis", List.of("spring-data-redis-", "spring-boot-data-redis-", "lettuce-core-"),
            "memcached", List.of("spymemcached-"),
            "etcd", List.of("jetcd-"),
            "kubernetes", List.of("client-java-"));

    @TempDir
    Path directory;

    @ParameterizedTest
    @ValueSource(strings = { "none", "redis", "memcached", "etcd", "kubernetes" })
    void startsWithoutWarningsWithOnlyOneClientOnTheClassPath(String present, CapturedOutput output)
            throws Exception {
        List<URL> classPath = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        String entries = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : entries.split(File.pathSeparator)) {
            String file = Path.of(entry).getFileName().toString();
            boolean otherClient = CLIENT_JARS.entrySet().stream().filter(client -> !client.getKey().equals(present))
                    .anyMatch(client -> client.getValue().stream().anyMatch(file::startsWith));
            if (otherClient) {
                dropped.add(file);
            }
            else {
                classPath.add(Path.of(entry).toUri().toURL());
            }
        }
        assertThat(dropped).as("client jars left out").hasSizeGreaterThanOrEqualTo(present.equals("none") ? 6 : 1);

        String backend;
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try (URLClassLoader application = new URLClassLoader(classPath.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(application);
            backend = (String) application.loadClass(Application.class.getName()).getMethod("start", String.class)
                    .invoke(null, directory.toString());
        }
        finally {
            thread.setContextClassLoader(previous);
        }

        assertThat(backend).isEqualTo("file");
        assertThat(output.getAll()).containsPattern("Started \\w+ in").doesNotContain(" WARN ")
                .doesNotContain(" ERROR ").doesNotContain("TypeNotPresentException");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    public static class Application {

        /** Starts the application, takes a lock, stops; answers the backend's name. Runs in the test's loader. */
        public static String start(String directory) {
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                    .web(WebApplicationType.NONE)
                    .properties("sherlock.backend=file", "sherlock.file.directory=" + directory,
                            "spring.main.banner-mode=off")
                    .run()) {
                try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                    assertThat(lock.fencingToken()).isPositive();
                }
                return context.getBean(LockBackend.class).name();
            }
        }
    }
}
