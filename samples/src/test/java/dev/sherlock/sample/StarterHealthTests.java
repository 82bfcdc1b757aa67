package dev.sherlock.sample;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootVersion;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the actuator beside the starter, the application gets one {@code sherlock} health indicator, the one of the
 * Spring Boot line it runs on (this sample runs on Boot 4 in {@code samples} and on Boot 3.5 in
 * {@code sherlock-spring-boot3-tests}, each with both lines' auto-configuration jars), and it reports the backend UP.
 */
class StarterHealthTests extends SampleInOneJvm {

    @Autowired
    private ApplicationContext context;

    @Test
    void theLockBackendsHealthComesFromTheIndicatorOfThisBootLineOnly() throws Exception {
        boolean boot4 = SpringBootVersion.getVersion().startsWith("4.");
        List<String> indicators = List.of("dev.sherlock.spring.health.SherlockHealthIndicator",
                "dev.sherlock.spring.boot3.SherlockBoot3HealthIndicator");
        List<String> found = context.getBeansOfType(Object.class).values().stream()
            .map(bean -> bean.getClass().getName()).filter(indicators::contains).toList();

        assertThat(found).containsExactly(indicators.get(boot4 ? 0 : 1));
        Object indicator = context.getBean("sherlockHealthIndicator");
        Object health = indicator.getClass().getMethod("health").invoke(indicator);
        assertThat(health.getClass().getMethod("getStatus").invoke(health)).hasToString("UP");
    }
}
