package dev.sherlock.spring.boot.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class BackendNotAvailableFailureAnalyzerTests {

    private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SherlockAutoConfiguration.class));

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            redis      | org.springframework.data.redis.connection.RedisConnectionFactory | org.springframework.data:spring-data-redis | org.springframework.boot:spring-boot-starter-data-redis | file, memcached, etcd or kubernetes
            memcached  | net.spy.memcached.MemcachedClient                                | net.spy:spymemcached                       | net.spy:spymemcached                                    | file, redis, etcd or kubernetes
            etcd       | io.etcd.jetcd.Client                                             | io.etcd:jetcd-core                         | io.etcd:jetcd-core                                      | file, redis, memcached or kubernetes
            kubernetes | io.kubernetes.client.util.Config                                 | io.kubernetes:client-java                  | io.kubernetes:client-java                               | file, redis, memcached or etcd
            """)
    void backendWhenClientMissingFailsWithDependencyName(String backend, String clientClass, String artifact,
            String dependency, String others) {
        contextRunner.withClassLoader(new FilteredClassLoader(clientClass))
            .withPropertyValues("sherlock.backend=" + backend)
            .run(context -> {
                assertThat(context).hasFailed()
                    .getFailure()
                    .rootCause()
                    .isInstanceOf(BackendNotAvailableException.class)
                    .hasMessage("sherlock.backend is '" + backend + "' but " + artifact + " is not on the classpath");
                FailureAnalysis analysis = new BackendNotAvailableFailureAnalyzer().analyze(context.getStartupFailure());
                assertThat(analysis.getDescription())
                    .isEqualTo("sherlock.backend is '" + backend + "' but " + artifact + " is not on the classpath");
                assertThat(analysis.getAction()).isEqualTo("Add " + dependency + ", or set sherlock.backend to " + others);
            });
    }

    @Test
    void redisWithoutAConnectionFactoryFailsAskingForSpringDataRedis() {
        contextRunner.withPropertyValues("sherlock.backend=redis").run(context -> {
            assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessage("sherlock.backend is 'redis' but there is no RedisConnectionFactory bean to reuse");
            FailureAnalysis analysis = new BackendNotAvailableFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getAction()).isEqualTo("Add org.springframework.boot:spring-boot-starter-data-redis"
                    + " and configure spring.data.redis.*, define a RedisConnectionFactory bean, or set"
                    + " sherlock.backend to file, memcached, etcd or kubernetes");
        });
    }
}
