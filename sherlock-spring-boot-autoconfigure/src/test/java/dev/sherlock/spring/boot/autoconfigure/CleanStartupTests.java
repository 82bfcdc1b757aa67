package dev.sherlock.spring.boot.autoconfigure;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.sherlock.Lock;
import dev.sherlock.LockObserver;
import dev.sherlock.LockRegistry;
import dev.sherlock.spi.LockBackend;
import org.junit.jupiter.api.Test;
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

    /** Micrometer's meters and Boot's metrics support, without which observations still work. */
    private static final List<String> METER_JARS = List.of("micrometer-core-", "spring-boot-micrometer-metrics-",
            "spring-boot-starter-micrometer-metrics-", "spring-boot-starter-actuator-");

    @ParameterizedTest
    @ValueSource(strings = { "none", "redis", "memcached", "etcd", "kubernetes" })
    void startsWithoutWarningsWithOnlyOneClientOnTheClassPath(String present, CapturedOutput output)
            throws Exception {
        List<String> dropped = new ArrayList<>();
        List<URL> classPath = classPathWithout(file -> CLIENT_JARS.entrySet().stream()
                .filter(client -> !client.getKey().equals(present))
                .anyMatch(client -> client.getValue().stream().anyMatch(file::startsWith)), dropped);
        assertThat(dropped).as("client jars left out").hasSizeGreaterThanOrEqualTo(present.equals("none") ? 6 : 1);

        startsClean(classPath, output);
    }

    @Test
    void startsWithoutWarningsWithObservationsButNoMeters(CapturedOutput output) throws Exception {
        List<String> dropped = new ArrayList<>();
        List<URL> classPath = classPathWithout(file -> METER_JARS.stream().anyMatch(file::startsWith), dropped);
        assertThat(dropped).as("meter jars left out").anyMatch(file -> file.startsWith("micrometer-core-"));
        assertThat(classPath).as("observations kept")
                .anyMatch(url -> url.getPath().contains("/micrometer-observation-"))
                .anyMatch(url -> url.getPath().contains(BootLine.BOOT_4 ? "/spring-boot-micrometer-observation-"
                        : "/spring-boot-actuator-autoconfigure-"));

        startsClean(classPath, output);
    }

    @Test
    void startsWithoutWarningsWithoutMicrometerOrTheActuator(CapturedOutput output) throws Exception {
        List<String> dropped = new ArrayList<>();
        List<URL> classPath = classPathWithout(file -> file.startsWith("micrometer-")
                || file.startsWith("spring-boot-micrometer-") || file.startsWith("spring-boot-starter-micrometer-")
                || file.startsWith("spring-boot-starter-actuator-") || file.startsWith("spring-boot-actuator-")
                || file.startsWith("spring-boot-health-")
                // Spring Integration 6.5 (Boot 3.5) requires Micrometer's observations; 7 does not.
                || !BootLine.BOOT_4 && file.startsWith("spring-integration-"), dropped);
        assertThat(dropped).as("Micrometer left out").anyMatch(file -> file.startsWith("micrometer-observation-"))
                .anyMatch(file -> file.startsWith("micrometer-core-"));

        startsClean(classPath, output, "file");
    }

    /** The test class path without the entries whose file name {@code drop} accepts, which go to {@code dropped}. */
    private static List<URL> classPathWithout(Predicate<String> drop, List<String> dropped) throws Exception {
        List<URL> classPath = new ArrayList<>();
        String entries = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : entries.split(File.pathSeparator)) {
            String file = Path.of(entry).getFileName().toString();
            if (drop.test(file)) {
                dropped.add(file);
            }
            else {
                classPath.add(Path.of(entry).toUri().toURL());
            }
        }
        return classPath;
    }

    private void startsClean(List<URL> classPath, CapturedOutput output) throws Exception {
        startsClean(classPath, output, "file, observed");
    }

    private void startsClean(List<URL> classPath, CapturedOutput output, String expected) throws Exception {
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

        assertThat(backend).as("backend, and whether observed").isEqualTo(expected);
        assertThat(output.getAll()).containsPattern("Started \\w+ in").doesNotContain(" WARN ")
                .doesNotContain(" ERROR ").doesNotContain("TypeNotPresentException");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    public static class Application {

        /**
         * Starts the application, takes a lock, stops; answers the backend's name and whether an observer watched.
         * Runs in the test's loader.
         */
        public static String start(String directory) {
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                    .web(WebApplicationType.NONE)
                    .properties("sherlock.backend=file", "sherlock.file.directory=" + directory,
                            "spring.main.banner-mode=off")
                    .run()) {
                try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                    assertThat(lock.fencingToken()).isPositive();
                }
                // Observations come with the actuator (on the test class path whatever the backend), meters or not.
                return context.getBean(LockBackend.class).name()
                        + (context.getBeanNamesForType(LockObserver.class).length == 1 ? ", observed" : "");
            }
        }
    }
}
