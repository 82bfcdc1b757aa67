package dev.sherlock.spring.boot.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import dev.sherlock.Lock;
import dev.sherlock.LockRegistry;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The actuator as an operator reaches it: a web application on a free port, {@code GET /actuator/sherlock} and
 * {@code GET /actuator/health/sherlock} over HTTP, on a Redis backend whose server is then stopped.
 */
class ActuatorOverHttpTests {

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theEndpointListsAHeldLockAndHealthTurnsDownWhenRedisStops() throws Exception {
        LocalServer redis = LocalServer.start(TestServers.REDIS);
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                .web(WebApplicationType.SERVLET)
                .properties("server.port=0", "sherlock.backend=redis", "sherlock.namespace=billing",
                        "spring.data.redis.host=" + redis.host(), "spring.data.redis.port=" + redis.port(),
                        "management.endpoints.web.exposure.include=health,sherlock",
                        "management.endpoint.health.show-details=always", "spring.main.banner-mode=off")
                .run()) {
            String base = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
            try (Lock lock = context.getBean(LockRegistry.class).acquire("orders")) {
                HttpResponse<String> locks = get(base + "/actuator/sherlock");

                assertThat(locks.statusCode()).isEqualTo(200);
                assertThat(locks.body()).contains("\"sherlockLockRegistry\"").contains("\"name\":\"orders\"")
                        .contains("\"namespace\":\"billing\"").contains("\"backend\":\"redis\"")
                        .contains("\"state\":\"held\"").contains("\"fencingToken\":" + lock.fencingToken())
                        .contains("\"holderThread\":\"" + Thread.currentThread().getName() + "\"");
            }
            HttpResponse<String> up = get(base + "/actuator/health/sherlock");
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).contains("\"status\":\"UP\"").contains("\"backend\":\"redis\"");

            redis.close();

            HttpResponse<String> down = get(base + "/actuator/health/sherlock");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("\"status\":\"DOWN\"").contains("\"backend\":\"redis\"")
                    .contains("\"error\"");
        }
        finally {
            redis.close();
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class Application {
    }
}
