package dev.sherlock.spring.boot.autoconfigure;

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

    /**
     * The clients are on this module's test classpath, but only the file backend's configuration exists so far:
     * the other backends need a user-defined LockBackend until their configurations are added.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            redis      | org.springframework.data:spring-data-redis | file, memcached, etcd or kubernetes
            etcd       | io.etcd:jetcd-core                         | file, redis, memcached or kubernetes
            """)
    void backendWithClientButNoBackendBeanFailsAskingForOne(String backend, String artifact, String others) {
        contextRunner.withPropertyValues("sherlock.backend=" + backend).run(context -> {
            assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessage("sherlock.backend is '" + backend + "' and " + artifact + " is on the classpath, but no"
                        + " LockBackend bean was defined or auto-configured for it");
            FailureAnalysis analysis = new BackendNotAvailableFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getAction())
                .isEqualTo("Define a LockBackend bean for " + backend + ", or set sherlock.backend to " + others);
        });
    }
}
