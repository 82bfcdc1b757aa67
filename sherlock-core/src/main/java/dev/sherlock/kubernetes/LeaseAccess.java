package dev.sherlock.kubernetes;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

import dev.sherlock.LockConfigurationException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReviewSpec;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.openapi.models.V1SubjectAccessReviewStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the API server, with one {@code SelfSubjectAccessReview} per verb, whether the client may use Leases in the
 * backend's namespace as the backend does. A denied {@code get}, {@code create} or {@code update} fails; a denied
 * {@code watch} only makes waiters poll, so it is a warning, as {@link LeaseWatches} gives when a watch is refused.
 * A review that gets no answer (server unreachable, reviews refused or not served) is one warning: the check is
 * advice, and startup must not need the cluster.
 */
final class LeaseAccess {

    /**
     * The verbs the backend uses on Leases: {@link LeaseRequests} gets, creates and updates,
     * {@link LeaseWatches} watches.
     */
    static final List<String> VERBS = List.of("get", "create", "update", "watch");

    private static final String OPTIONAL = "watch";

    private static final String GROUP = "coordination.k8s.io";

    private static final String RESOURCE = "leases." + GROUP;

    private static final Logger logger = LoggerFactory.getLogger(LeaseAccess.class);

    private final AuthorizationV1Api api;

    private final String namespace;

    LeaseAccess(AuthorizationV1Api api, String namespace) {
        this.api = api;
        this.namespace = namespace;
    }

    void check() {
        List<String> denied = new ArrayList<>();
        for (String verb : VERBS) {
            V1SubjectAccessReviewStatus status;
            try {
                status = api.createSelfSubjectAccessReview(review(verb)).execute().getStatus();
            }
            catch (ApiException ex) {
                if (ex.getCode() == 401) {
                    throw new LockConfigurationException("Backend kubernetes (namespace '" + namespace + "'): the API"
                            + " server at " + server() + " does not accept the client's credentials (HTTP 401"
                            + " Unauthorized): its token or client certificate is wrong or expired. Check the service"
                            + " account token or the kubeconfig user. No lock can be taken until this is fixed");
                }
                logger.warn("Backend kubernetes (namespace '{}'): the permissions on {} could not be checked: {}."
                        + " Locks fail with the API server's answer if a verb is missing", namespace, RESOURCE,
                        unanswered(ex));
                return;
            }
            if (status == null) {
                logger.warn("Backend kubernetes (namespace '{}'): the permissions on {} could not be checked: the"
                        + " API server at {} answered a SelfSubjectAccessReview without a status", namespace,
                        RESOURCE, server());
                return;
            }
            if (!Boolean.TRUE.equals(status.getAllowed())) {
                denied.add(verb);
            }
        }
        if (denied.equals(List.of(OPTIONAL))) {
            logger.warn("Backend kubernetes (namespace '{}'): the client may not watch {} in namespace '{}', so"
                    + " waiters poll at their retry interval instead of being woken. Grant the 'watch' verb on leases"
                    + " in namespace '{}' (see docs/kubernetes.md)", namespace, RESOURCE, namespace, namespace);
        }
        else if (!denied.isEmpty()) {
            throw new LockConfigurationException("Backend kubernetes (namespace '" + namespace + "'): the client may"
                    + " not " + String.join(", ", denied) + " " + RESOURCE + " in namespace '" + namespace + "'"
                    + " (SelfSubjectAccessReview), so locks there would fail. Grant a Role with the verbs "
                    + String.join(", ", VERBS) + " on leases in API group " + GROUP + " in namespace '" + namespace
                    + "', bound to the application's service account (see docs/kubernetes.md)");
        }
    }

    private V1SelfSubjectAccessReview review(String verb) {
        return new V1SelfSubjectAccessReview().spec(new V1SelfSubjectAccessReviewSpec()
            .resourceAttributes(new V1ResourceAttributes().namespace(namespace)
                .verb(verb)
                .group(GROUP)
                .version("v1")
                .resource("leases")));
    }

    /** Why a review got no answer, from the status code and the server's own message, never from request headers. */
    private String unanswered(ApiException ex) {
        int code = ex.getCode();
        if (code == 0) {
            Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            return "the API server at " + server() + " could not be reached (" + cause.getClass().getName() + ": "
                    + cause.getMessage() + ")";
        }
        V1Status status = LeaseFailures.status(ex.getResponseBody());
        String said = status != null && status.getMessage() != null ? ": " + status.getMessage() : "";
        String reason = status != null && status.getReason() != null ? " " + status.getReason() : "";
        return "the API server at " + server() + " answered the SelfSubjectAccessReview with HTTP " + code + reason
                + said;
    }

    /** The server's address without user information, which a URL could carry as a credential. */
    private String server() {
        String base = api.getApiClient().getBasePath();
        try {
            URI uri = URI.create(base);
            return uri.getUserInfo() == null ? base
                    : new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null)
                        .toString();
        }
        catch (IllegalArgumentException | URISyntaxException ex) {
            return "(unparsable address)";
        }
    }
}
