package dev.sherlock.kubernetes;

import java.time.Duration;
import java.util.EnumSet;

import dev.sherlock.BackendLock;
import dev.sherlock.LockBackendException;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import io.kubernetes.client.openapi.ApiClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Failures come out as LockExceptions naming the lock, the Lease, the server's answer and what to do. */
class KubernetesBackendErrorTests {

    /** Explicitly in 'default', which the messages name, even when the tests run in a pod of another namespace. */
    private static KubernetesBackend inDefault(ApiClient client) {
        return KubernetesBackend.builder().client(client).namespace("default").build();
    }

    private static BackendLock lock(KubernetesBackend backend) {
        return new BackendLock("orders", backend, "billing", LockSettings.defaults());
    }

    @Test
    @DisplayName("an invalid Kubernetes namespace or a null client fails at construction")
    void badConfigurationFailsFast() {
        try (LeaseApiServer server = LeaseApiServer.start()) {
            ApiClient client = server.client();
            assertThatThrownBy(() -> KubernetesBackend.builder().client(client).namespace("Billing_Locks").build())
                .isInstanceOf(LockConfigurationException.class)
                .hasMessageStartingWith("Backend kubernetes: 'namespace' 'Billing_Locks' is not a valid Kubernetes"
                        + " namespace");
            assertThatThrownBy(() -> KubernetesBackend.builder().client((ApiClient) null).namespace("default").build())
                .isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend kubernetes: 'client' must not be null");
            assertThatThrownBy(() -> new KubernetesLock("orders", "Bad Namespace"))
                .isInstanceOf(LockConfigurationException.class).hasMessageContaining("'Bad Namespace'");
        }
    }

    @Test
    @DisplayName("an expiry below 1 s or beyond int32 seconds is reported as one a Lease cannot express, with the fix")
    void expiriesLeasesCannotExpress() {
        try (LeaseApiServer server = LeaseApiServer.start();
                KubernetesBackend backend = KubernetesBackend.of(server.client())) {
            assertThat(backend.unsupportedExpire(Duration.ofMillis(999))).isEqualTo("is shorter than the 1 s"
                    + " Kubernetes Leases can express; use at least 1s");
            assertThat(backend.unsupportedExpire(Duration.ofNanos(1))).startsWith("is shorter than the 1 s");
            assertThat(backend.unsupportedExpire(Duration.ofSeconds(Integer.MAX_VALUE).plusNanos(1)))
                .isEqualTo("is longer than the 2147483647 s (about 68 years) a Kubernetes Lease can express"
                        + " (leaseDurationSeconds is an int32); use at most 2147483647s, or no expiry");
            assertThat(backend.unsupportedExpire(Duration.ofDays(36_500_000))).startsWith("is longer than");
            assertThat(backend.unsupportedExpire(Duration.ofSeconds(1))).isNull();
            assertThat(backend.unsupportedExpire(Duration.ofMillis(1500))).as("rounded up, which is safe").isNull();
            assertThat(backend.unsupportedExpire(Duration.ofSeconds(Integer.MAX_VALUE))).isNull();
        }
    }

    @Test
    @DisplayName("a namespace that does not exist fails with the server's message and asks to create it")
    void missingNamespace() {
        try (LeaseApiServer server = LeaseApiServer.start(); KubernetesBackend backend = KubernetesBackend.builder().client(server.client()).namespace("nowhere").build()) {
            assertThatThrownBy(() -> lock(backend).acquire(false)).isInstanceOf(LockBackendException.class)
                .hasMessage("Lock 'orders' (backend kubernetes, namespace 'billing'): acquire failed: 'create' of"
                        + " lease 'sherlock.billing.orders' in Kubernetes namespace 'nowhere' was refused with HTTP"
                        + " 404 NotFound: namespaces \"nowhere\" not found. Create the namespace, or configure an"
                        + " existing one (sherlock.kubernetes.namespace). It was not acquired");
        }
    }

    @Test
    @DisplayName("a verb RBAC refuses fails with the server's message and the verbs to grant")
    void forbidden() {
        try (LeaseApiServer server = LeaseApiServer.start(EnumSet.of(Verb.GET, Verb.WATCH), 100);
                KubernetesBackend backend = inDefault(server.client())) {
            assertThatThrownBy(() -> lock(backend).acquire(false)).isInstanceOf(LockBackendException.class)
                .hasMessage("Lock 'orders' (backend kubernetes, namespace 'billing'): acquire failed: 'create' of"
                        + " lease 'sherlock.billing.orders' in Kubernetes namespace 'default' was refused with HTTP"
                        + " 403 Forbidden: leases.coordination.k8s.io is forbidden: User"
                        + " \"system:serviceaccount:default:sherlock\" cannot create resource \"leases\" in API group"
                        + " \"coordination.k8s.io\" in the namespace \"default\". Grant the service account the"
                        + " verbs get, create, update and watch on leases.coordination.k8s.io in namespace"
                        + " 'default' (see docs/kubernetes.md). It was not acquired");
            assertThat(lock(backend).locked()).isFalse();
        }
    }

    @Test
    @DisplayName("an unreachable API server fails with a message naming the Lease and the connection error")
    void unreachableServer() {
        LeaseApiServer server = LeaseApiServer.start();
        ApiClient client = server.client();
        server.close();
        try (KubernetesBackend backend = inDefault(client)) {
            assertThatThrownBy(() -> lock(backend).locked()).isInstanceOf(LockBackendException.class)
                .hasMessageStartingWith("Lock 'orders' (backend kubernetes, namespace 'billing'): check failed: the"
                        + " Kubernetes API server at " + server.url() + " could not be reached to get lease"
                        + " 'sherlock.billing.orders' in Kubernetes namespace 'default': java.net.ConnectException");
        }
    }
}
