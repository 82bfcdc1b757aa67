package dev.sherlock.kubernetes;

import dev.sherlock.spi.StoreException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Status;
import org.jspecify.annotations.Nullable;

/**
 * Describes a Lease request the API server refused or that could not be sent, as the backend's
 * {@link StoreException}: the operation, the Lease, the HTTP status with the server's own message, and what to do.
 * The core adds the lock's name and backend in front.
 */
final class LeaseFailures {

    private LeaseFailures() {
    }

    static StoreException of(String verb, String server, String namespace, String leaseName,
            ApiException ex) {
        String lease = "lease '" + leaseName + "' in Kubernetes namespace '" + namespace + "'";
        int code = ex.getCode();
        if (code == 0) {
            Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            return new StoreException("the Kubernetes API server at " + server + " could not be reached to "
                    + verb + " " + lease + ": " + cause, ex);
        }
        String body = ex.getResponseBody();
        V1Status status = status(body);
        String said = status != null && status.getMessage() != null ? status.getMessage()
                : body == null || body.isBlank() ? "(no message)" : body;
        String message = "'" + verb + "' of " + lease + " was refused with HTTP " + code
                + (status != null && status.getReason() != null && !status.getReason().isEmpty()
                        ? " " + status.getReason() : "")
                + ": " + said + advice(code, verb, namespace, status);
        return new StoreException(message, ex);
    }

    private static String advice(int code, String verb, String namespace, @Nullable V1Status status) {
        if (code == 401) {
            return ". Check the client's credentials (service account token or kubeconfig)";
        }
        if (code == 403) {
            return ". Grant the service account the verbs get, create, update and watch on"
                    + " leases.coordination.k8s.io in namespace '" + namespace + "' (see docs/kubernetes.md)";
        }
        if (code == 404 && "create".equals(verb) && status != null && status.getDetails() != null
                && "namespaces".equals(status.getDetails().getKind())) {
            return ". Create the namespace, or configure an existing one (sherlock.kubernetes.namespace)";
        }
        return "";
    }

    static @Nullable V1Status status(@Nullable String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            V1Status status = JSON.deserialize(body, V1Status.class);
            return status != null && "Status".equals(status.getKind()) ? status : null;
        }
        catch (RuntimeException ex) {
            return null;
        }
    }
}
