package dev.sherlock.spring.boot.autoconfigure;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

/**
 * The Spring Boot classes the tests name whose package moved between Boot 3.5 and Boot 4, found by name on the line
 * the tests run on: the same test sources run on Boot 4 (this module) and on Boot 3.5
 * ({@code sherlock-spring-boot3-tests}).
 */
final class BootLine {

    /** Whether the tests run on Spring Boot 4 (its health API has a package of its own). */
    static final boolean BOOT_4 = present("org.springframework.boot.health.contributor.HealthIndicator");

    private BootLine() {
    }

    /** Boot's Redis auto-configuration. */
    static Class<?> redis() {
        return load("org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
                "org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration");
    }

    /** Boot's observation, metrics and composite meter registry auto-configurations. */
    static Class<?>[] observationsAndMetrics() {
        return new Class<?>[] {
                load("org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
                        "org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration"),
                load("org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration"),
                load("org.springframework.boot.micrometer.metrics.autoconfigure"
                        + ".CompositeMeterRegistryAutoConfiguration",
                        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration") };
    }

    /** Boot's in-memory meter registry auto-configuration. */
    static Class<?> simpleMetricsExport() {
        return load("org.springframework.boot.micrometer.metrics.autoconfigure.export.simple"
                + ".SimpleMetricsExportAutoConfiguration",
                "org.springframework.boot.actuate.autoconfigure.metrics.export.simple"
                        + ".SimpleMetricsExportAutoConfiguration");
    }

    /** Sherlock's health indicator auto-configuration for this line. */
    static Class<?> sherlockHealth() {
        return load(BOOT_4 ? "dev.sherlock.spring.boot.autoconfigure.SherlockHealthContributorAutoConfiguration"
                : "dev.sherlock.spring.boot3.SherlockBoot3HealthContributorAutoConfiguration");
    }

    /** The given classes followed by {@code more}. */
    static Class<?>[] with(Class<?>[] classes, Class<?>... more) {
        Class<?>[] all = Arrays.copyOf(classes, classes.length + more.length);
        System.arraycopy(more, 0, all, classes.length, more.length);
        return all;
    }

    /**
     * Asks a health indicator of either line ({@code HealthIndicator.health()} has the same shape on both).
     * @param indicator the indicator bean
     * @return its status code and details
     */
    static HealthReport health(Object indicator) throws ReflectiveOperationException {
        Object health = indicator.getClass().getMethod("health").invoke(indicator);
        Object status = method(health, "getStatus").invoke(health);
        @SuppressWarnings("unchecked")
        Map<String, Object> details = (Map<String, Object>) method(health, "getDetails").invoke(health);
        return new HealthReport((String) method(status, "getCode").invoke(status), details);
    }

    /** A health indicator's answer: {@code UP} or {@code DOWN}, with its details. */
    record HealthReport(String status, Map<String, Object> details) {
    }

    private static Method method(Object target, String name) throws NoSuchMethodException {
        return target.getClass().getMethod(name);
    }

    private static Class<?> load(String... names) {
        for (String name : names) {
            if (present(name)) {
                try {
                    return Class.forName(name, false, BootLine.class.getClassLoader());
                }
                catch (ClassNotFoundException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
        throw new IllegalStateException("None of " + Arrays.toString(names) + " is on the test class path");
    }

    private static boolean present(String name) {
        try {
            Class.forName(name, false, BootLine.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException | LinkageError ex) {
            return false;
        }
    }
}
