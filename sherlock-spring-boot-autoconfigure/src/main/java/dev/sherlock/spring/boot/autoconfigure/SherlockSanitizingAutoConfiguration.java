package dev.sherlock.spring.boot.autoconfigure;

import java.util.Locale;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Masks Sherlock's passwords ({@code sherlock.etcd.password}, {@code sherlock.memcached.password}, and any later
 * {@code sherlock.*password}) in the {@code configprops} and {@code env} actuator endpoints, also when they are set
 * to show values: Spring Boot no longer masks keys by name on its own.
 *
 * @since 0.2.0
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
public final class SherlockSanitizingAutoConfiguration {

    @Bean
    SanitizingFunction sherlockPasswordSanitizer() {
        return SanitizingFunction.sanitizeValue().ifKeyMatches(SherlockSanitizingAutoConfiguration::isPassword);
    }

    /** {@code sherlock.etcd.password} as written in properties or as an environment variable. */
    static boolean isPassword(String key) {
        String normalized = key.toLowerCase(Locale.ROOT).replace('_', '.').replace("-", "");
        return normalized.startsWith("sherlock.") && normalized.endsWith("password");
    }
}
