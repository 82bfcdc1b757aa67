package dev.sherlock.spring.boot.autoconfigure;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spring.boot.autoconfigure.SherlockProperties.Backend;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * No {@code LockBackend} exists for the backend named by {@code sherlock.backend}, typically because its client
 * library is missing. {@link BackendNotAvailableFailureAnalyzer} turns it into a startup report with an action.
 */
final class BackendNotAvailableException extends LockConfigurationException {

    private static final long serialVersionUID = 1L;

    private final String action;

    private BackendNotAvailableException(String message, String action) {
        super(message);
        this.action = action;
    }

    /**
     * Explains why {@code backend} has no {@code LockBackend} bean.
     * @param backend the configured backend
     * @param classLoader the application's class loader, to look for the client
     * @return the exception to throw
     */
    static BackendNotAvailableException of(Backend backend, @Nullable ClassLoader classLoader) {
        String name = name(backend);
        // The memory backend is for tests: never offered as the way out.
        List<String> names = Arrays.stream(Backend.values())
                .filter(other -> other != backend && other != Backend.MEMORY)
                .map(BackendNotAvailableException::name).toList();
        String others = String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
        Client client = Client.of(backend);
        if (client != null && !ClassUtils.isPresent(client.className(), classLoader)) {
            return new BackendNotAvailableException(
                    "sherlock.backend is '" + name + "' but " + client.artifact() + " is not on the classpath",
                    "Add " + client.dependency() + ", or set sherlock.backend to " + others);
        }
        if (backend == Backend.REDIS) {
            // The Redis backend reuses the application's connection factory instead of making its own.
            return new BackendNotAvailableException("sherlock.backend is 'redis' but there is no RedisConnectionFactory"
                    + " bean to reuse", "Add org.springframework.boot:spring-boot-starter-data-redis and configure"
                    + " spring.data.redis.*, define a RedisConnectionFactory bean, or set sherlock.backend to " + others);
        }
        return new BackendNotAvailableException("sherlock.backend is '" + name + "'"
                + (client != null ? " and " + client.artifact() + " is on the classpath," : "")
                + " but no LockBackend bean was defined or auto-configured for it",
                "Define a LockBackend bean for " + name + ", or set sherlock.backend to " + others);
    }

    /**
     * What the user should do about it.
     * @return the action
     */
    String action() {
        return this.action;
    }

    private static String name(Backend backend) {
        return backend.name().toLowerCase(Locale.ROOT);
    }

    /**
     * A backend's client library.
     * @param className a class whose presence shows the client is on the classpath
     * @param artifact the client library, as group:artifact
     * @param dependency what a Spring Boot application adds to get it
     */
    private record Client(String className, String artifact, String dependency) {

        static @Nullable Client of(Backend backend) {
            return switch (backend) {
                case FILE, MEMORY -> null;
                case REDIS -> new Client("org.springframework.data.redis.connection.RedisConnectionFactory",
                        "org.springframework.data:spring-data-redis",
                        "org.springframework.boot:spring-boot-starter-data-redis");
                case MEMCACHED -> new Client("net.spy.memcached.MemcachedClient", "net.spy:spymemcached",
                        "net.spy:spymemcached");
                case ETCD -> new Client("io.etcd.jetcd.Client", "io.etcd:jetcd-core", "io.etcd:jetcd-core");
                case KUBERNETES -> new Client("io.kubernetes.client.util.Config", "io.kubernetes:client-java",
                        "io.kubernetes:client-java");
            };
        }
    }
}
