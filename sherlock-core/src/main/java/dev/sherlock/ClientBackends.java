package dev.sherlock;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.file.FileBackend;
import dev.sherlock.kubernetes.KubernetesBackend;
import dev.sherlock.memcached.MemcachedBackend;
import dev.sherlock.redis.RedisBackend;
import dev.sherlock.spi.LockBackend;

/**
 * Picks the backend for a client, as py-sherlock's {@code configure(client=...)} does. Client libraries are optional:
 * a client's type is recognised by name, and each backend's factory sits in its own holder class, so only the
 * library of the client actually given is ever loaded.
 */
final class ClientBackends {

    private ClientBackends() {
    }

    static LockBackend of(Object client) {
        if (client instanceof LockBackend backend) {
            return backend;
        }
        if (client instanceof Path directory) {
            return new FileBackend(directory);
        }
        Set<String> types = typeNames(client.getClass(), new HashSet<>());
        if (types.contains("org.springframework.data.redis.connection.RedisConnectionFactory")) {
            return Redis.backend(client);
        }
        if (types.contains("net.spy.memcached.MemcachedClient")) {
            return Memcached.backend(client);
        }
        if (types.contains("io.etcd.jetcd.Client")) {
            return Etcd.backend(client);
        }
        if (types.contains("io.kubernetes.client.openapi.ApiClient")) {
            return Kubernetes.backend(client);
        }
        throw new LockConfigurationException("'client' of type " + client.getClass().getName() + " is no client"
                + " Sherlock knows. Pass a java.nio.file.Path (file backend), a RedisConnectionFactory (redis), a"
                + " MemcachedClient (memcached), a jetcd Client (etcd), a Kubernetes ApiClient (kubernetes) or a"
                + " LockBackend");
    }

    private static Set<String> typeNames(Class<?> type, Set<String> names) {
        for (Class<?> current = type; current != null; current = current.getSuperclass()) {
            if (names.add(current.getName())) {
                for (Class<?> implemented : current.getInterfaces()) {
                    typeNames(implemented, names);
                }
            }
        }
        return names;
    }

    private static final class Redis {

        static LockBackend backend(Object client) {
            return RedisBackend.of((org.springframework.data.redis.connection.RedisConnectionFactory) client);
        }
    }

    private static final class Memcached {

        static LockBackend backend(Object client) {
            return MemcachedBackend.of((net.spy.memcached.MemcachedClient) client);
        }
    }

    private static final class Etcd {

        static LockBackend backend(Object client) {
            return new EtcdBackend((io.etcd.jetcd.Client) client);
        }
    }

    private static final class Kubernetes {

        static LockBackend backend(Object client) {
            // Lease objects in the "default" Kubernetes namespace; use new KubernetesBackend(client, ns) for another.
            return new KubernetesBackend((io.kubernetes.client.openapi.ApiClient) client, "default");
        }
    }
}
