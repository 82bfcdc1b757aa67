package dev.sherlock.kubernetes;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.EnumSet;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.StoreException;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LeaseApiServer.Verb;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link KubernetesBackend#checkAccess(null)}: one SelfSubjectAccessReview per verb the backend uses, failing on a missing
 * one, warning when the reviews get no answer, never showing the client's credentials.
 */
class KubernetesBackendAccessTests {

    private static final String TOKEN = "secret-token-123";

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.sherlock.kubernetes");

    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    private LeaseApiServer server;

    @BeforeEach
    void start() {
        events.start();
        logger.addAppender(events);
        server = LeaseApiServer.start();
        server.createNamespace("billing");
    }

    @AfterEach
    void stop() {
        logger.detachAppender(events);
        server.close();
    }

    private KubernetesBackend backend(ApiClient client) {
        return KubernetesBackend.builder().client(client).namespace("billing").build();
    }

    private List<String> warnings() {
        return events.list.stream().filter(event -> event.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void checkAccessPassesQuietlyWithOneReviewPerVerbWhenAllAreAllowed() {
        try (KubernetesBackend backend = backend(server.client())) {
            backend.checkAccess(null);
        }
        assertThat(server.accessReviews()).isEqualTo(LeaseAccess.VERBS.size()).isEqualTo(4);
        assertThat(warnings()).isEmpty();
    }

    @Test
    void checkAccessProbesExactlyTheVerbsTheBackendUses() {
        assertThat(LeaseAccess.VERBS).containsExactly("get", "create", "update", "watch");
    }

    @Test
    void checkAccessPassesWhenTheRoleGrantsOnlyTheVerbsTheBackendUses() {
        try (LeaseApiServer minimal = LeaseApiServer.start(EnumSet.of(Verb.GET, Verb.CREATE, Verb.UPDATE,
                Verb.WATCH), 100);
                KubernetesBackend backend = KubernetesBackend.of(minimal.client())) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void checkAccessFailsNamingTheMissingVerbsNamespaceAndRoleToGrant() {
        server.deny("billing", "update", "get");
        try (KubernetesBackend backend = backend(server.client())) {
            assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessage("Backend kubernetes (namespace 'billing'): the client may not get, update"
                        + " leases.coordination.k8s.io in namespace 'billing' (SelfSubjectAccessReview), so locks"
                        + " there would fail. Grant a Role with the verbs get, create, update, watch on leases in API"
                        + " group coordination.k8s.io in namespace 'billing', bound to the application's service"
                        + " account (see docs/kubernetes.md)");
        }
    }

    @Test
    void aDeniedVerbFailsTheProbeWhileTheLeaseRequestsNotNeedingItStillWork() {
        server.deny("billing", "get");
        try (KubernetesBackend backend = backend(server.client())) {
            assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("may not get leases.coordination.k8s.io in namespace 'billing'");
            // Acquiring a new name creates the Lease, releasing replaces it: neither reads it.
            assertThat(backend.tryAcquire("sherlock.orders", "owner", null).acquired()).isTrue();
            assertThat(backend.release("sherlock.orders", "owner")).isTrue();
            assertThat(server.lease("billing", "sherlock.orders")).isNotNull();
            assertThatThrownBy(() -> backend.isLocked("sherlock.orders")).isInstanceOf(StoreException.class)
                .hasMessageContaining("'get' of lease 'sherlock.orders' in Kubernetes namespace 'billing' was"
                        + " refused with HTTP 403 Forbidden");
        }
    }

    @Test
    void deniedVerbsInAnotherNamespaceDoNotMatter() {
        server.deny("default", "get", "create", "update", "watch");
        try (KubernetesBackend backend = backend(server.client())) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void verbsTheBackendDoesNotUseMayBeDenied() {
        server.deny("billing", "delete", "list", "patch");
        try (KubernetesBackend backend = backend(server.client())) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).isEmpty();
    }

    @Test
    void onlyWatchMissingIsAWarningBecauseWaitersThenPoll() {
        server.deny("billing", "watch");
        try (KubernetesBackend backend = backend(server.client())) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).singleElement().asString()
            .contains("may not watch leases.coordination.k8s.io in namespace 'billing'")
            .contains("waiters poll at their retry interval")
            .contains("Grant the 'watch' verb");
    }

    @Test
    void reviewsNotServedAreOneWarningAndCheckAccessReturns() {
        server.refuseAccessReviews(404);
        try (KubernetesBackend backend = backend(server.client())) {
            backend.checkAccess(null);
        }
        assertThat(server.accessReviews()).as("gives up after the first").isEqualTo(1);
        assertThat(warnings()).singleElement().asString()
            .isEqualTo("Backend kubernetes (namespace 'billing'): the permissions on leases.coordination.k8s.io"
                    + " could not be checked: the API server at " + server.url() + " answered the"
                    + " SelfSubjectAccessReview with HTTP 404 NotFound: the server could not find the requested"
                    + " resource. Locks fail with the API server's answer if a verb is missing");
    }

    @Test
    void credentialsTheServerDoesNotAcceptFailTheCheckNamingTheServerButNotTheToken() {
        server.refuseAccessReviews(401);
        try (KubernetesBackend backend = backend(Config.fromToken(server.url(), TOKEN, false))) {
            assertThatThrownBy(() -> backend.checkAccess(null)).isInstanceOf(LockConfigurationException.class)
                .hasMessageContaining("the API server at " + server.url() + " does not accept the client's"
                        + " credentials (HTTP 401 Unauthorized)")
                .hasMessageNotContaining(TOKEN);
        }
        assertThat(server.accessReviews()).as("gives up after the first").isEqualTo(1);
    }

    @Test
    void reviewsForbiddenAreOneWarningAndCheckAccessReturns() {
        server.refuseAccessReviews(403);
        try (KubernetesBackend backend = backend(server.client())) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).singleElement().asString()
            .contains("could not be checked")
            .contains("HTTP 403 Forbidden: selfsubjectaccessreviews.authorization.k8s.io is forbidden");
    }

    @Test
    void anUnreachableServerIsOneWarningAndCheckAccessReturns() throws IOException {
        String url;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            url = "http://127.0.0.1:" + socket.getLocalPort();
        }
        try (KubernetesBackend backend = backend(Config.fromUrl(url, false))) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).singleElement().asString()
            .startsWith("Backend kubernetes (namespace 'billing'): the permissions on leases.coordination.k8s.io"
                    + " could not be checked: the API server at " + url + " could not be reached (java.net.");
    }

    @Test
    void theClientsTokenAppearsInNoMessageNorLog() throws IOException {
        server.deny("billing", "create");
        try (KubernetesBackend backend = backend(Config.fromToken(server.url(), TOKEN, false))) {
            Throwable denied = catchThrowable(() -> backend.checkAccess(null));
            assertThat(denied).isInstanceOf(LockConfigurationException.class);
            assertThat(String.valueOf(denied)).doesNotContain(TOKEN);
            server.refuseAccessReviews(404);
            backend.checkAccess(null);
            server.refuseAccessReviews(403);
            backend.checkAccess(null);
        }
        String unreachable;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            unreachable = "http://127.0.0.1:" + socket.getLocalPort();
        }
        try (KubernetesBackend backend = backend(Config.fromToken(unreachable, TOKEN, false))) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).hasSize(3);
        assertThat(events.list).allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain(TOKEN));
    }

    @Test
    void userInformationInTheServerAddressIsNotShown() {
        String url = server.url().replace("http://", "http://admin:hunter2@");
        server.refuseAccessReviews(404);
        try (KubernetesBackend backend = backend(Config.fromUrl(url, false))) {
            backend.checkAccess(null);
        }
        assertThat(warnings()).singleElement().asString().contains("the API server at " + server.url() + " ")
            .doesNotContain("hunter2");
    }
}
