package dev.sherlock.kubernetes;

import java.time.Duration;

import dev.sherlock.kubernetes.LeaseObservations.Observation;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP calls of a {@link KubernetesBackend}: create, read and replace one Lease, each recorded in the backend's
 * observations with when it was sent, and each failure described once ({@link LeaseFailures}). The edits of a Lease
 * are {@link LeaseContents}' pure functions; the algorithm over them is the backend's.
 */
final class LeaseRequests {

    private final CoordinationV1Api api;

    private final String namespace;

    private final LeaseObservations observations;

    LeaseRequests(CoordinationV1Api api, String namespace, LeaseObservations observations) {
        this.api = api;
        this.namespace = namespace;
        this.observations = observations;
    }

    @Nullable AcquireResult create(String key, String owner, @Nullable Duration expire) {
        long token = LeaseContents.nextToken(null);
        V1Lease lease = LeaseContents.created(key, owner, expire, token);
        long sent = System.nanoTime();
        try {
            V1Lease created = api.createNamespacedLease(namespace, lease).execute();
            observations.record(key, created, sent);
            return AcquireResult.acquired(token);
        }
        catch (ApiException ex) {
            if (ex.getCode() == 409) {
                return null;
            }
            throw failure("create", key, ex);
        }
    }

    @Nullable Observation read(String key) {
        try {
            V1Lease lease = api.readNamespacedLease(key, namespace).execute();
            return observations.record(key, lease, System.nanoTime());
        }
        catch (ApiException ex) {
            if (ex.getCode() == 404) {
                observations.forget(key, null);
                return null;
            }
            throw failure("get", key, ex);
        }
    }

    Write replace(String key, V1Lease lease) {
        long sent = System.nanoTime();
        try {
            V1Lease written = api.replaceNamespacedLease(key, namespace, lease).execute();
            observations.record(key, written, sent);
            return Write.DONE;
        }
        catch (ApiException ex) {
            if (ex.getCode() == 409) {
                return Write.CONFLICT;
            }
            if (ex.getCode() == 404) {
                observations.forget(key, null);
                return Write.ABSENT;
            }
            throw failure("update", key, ex);
        }
    }

    private StoreException failure(String verb, String key, ApiException ex) {
        return LeaseFailures.of(verb, api.getApiClient().getBasePath(), namespace, key, ex);
    }

    /** The outcome of a replace guarded by the resource version read. */
    enum Write {
        DONE, CONFLICT, ABSENT
    }
}
