package dev.sherlock.kubernetes;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.kubernetes.LeaseObservations.Observation;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.util.Config;
import org.jspecify.annotations.Nullable;

/**
 * Locks as {@code coordination.k8s.io/v1} Lease objects in one Kubernetes namespace, through client-java.
 *
 * <p>Every write is guarded (create if absent, replace at the {@code resourceVersion} read), so of two racing clients
 * exactly one wins. A Lease held by someone else counts as expired once it has stayed unchanged for
 * {@code leaseDurationSeconds} on this JVM's monotonic clock, never from the remote {@code renewTime}. A resent write
 * is recognised by the owner token it wrote (acquire) or by {@value #RELEASED_BY_ANNOTATION} (release). Fencing
 * tokens, in {@value #FENCING_TOKEN_ANNOTATION}, are {@code max(previous + 1, time in µs)}. Waiters watch the Lease.
 * The arguments, the names, the RBAC the service account needs and the limits are in {@code docs/kubernetes.md}.
 *
 * <p>One responsibility, the SPI over Lease requests ({@link LeaseRequests}) and Lease edits ({@link LeaseContents});
 * it is a little over 300 lines with its nested builder, the shape every backend shares.
 *
 * @since 0.1.0
 */
public final class KubernetesBackend implements LockBackend {

    /** Annotation holding the fencing token of the Lease's latest acquisition. */
    public static final String FENCING_TOKEN_ANNOTATION = "sherlock.dev/fencing-token";

    /**
     * Annotation naming the owner token whose release freed the Lease last, so that a resent release of that owner
     * is recognised as done.
     */
    public static final String RELEASED_BY_ANNOTATION = "sherlock.dev/released-by";

    /** Label put on every Lease the backend creates, with the value {@value #MANAGED_BY}. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

    /** Value of {@link #MANAGED_BY_LABEL}. */
    public static final String MANAGED_BY = "sherlock";

    /**
     * The Kubernetes namespace of the Lease objects when none is configured and the pod's own namespace is unknown
     * (outside a pod, or without a mounted service account). Inside a pod the default is the pod's namespace; see
     * {@link Builder#namespace(String)}.
     */
    public static final String DEFAULT_NAMESPACE = "default";

    private static final int OBSERVATIONS = 4096;

    /** Read-decide-write rounds per call before giving up as "somebody else keeps changing it". */
    private static final int ROUNDS = 4;

    private final ApiClient client;

    private final LeaseRequests requests;

    private final String namespace;

    private final boolean ownsClient;

    private final LeaseObservations observations = new LeaseObservations(OBSERVATIONS);

    private final LeaseWatches watches;

    /**
     * Starts configuring a backend.
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A backend on an application's client, with Leases in the default namespace: the pod's own, read from the
     * service account's namespace file, otherwise {@value #DEFAULT_NAMESPACE}. The client stays open on
     * {@link #close()}.
     * @param client the configured client
     * @return the backend
     * @throws LockConfigurationException if the service account's namespace file names an invalid namespace
     */
    public static KubernetesBackend of(ApiClient client) {
        return builder().client(client).build();
    }

    private KubernetesBackend(@Nullable ApiClient client, @Nullable String namespace, boolean ownsClient) {
        this.namespace = LeaseNames.requireKubernetesNamespace(namespace);
        if (client == null) {
            throw new LockConfigurationException("Backend kubernetes: 'client' must not be null");
        }
        this.client = client;
        CoordinationV1Api api = new CoordinationV1Api(client);
        this.requests = new LeaseRequests(api, this.namespace, observations);
        this.ownsClient = ownsClient;
        this.watches = new LeaseWatches(client, api, this.namespace, observations);
    }

    private static ApiClient defaultClient(String namespace) {
        try {
            return Config.defaultClient();
        }
        catch (IOException | RuntimeException ex) {
            throw new LockConfigurationException("Backend kubernetes (namespace '" + namespace + "'): no Kubernetes"
                    + " client configuration could be loaded (in-cluster service account, $KUBECONFIG,"
                    + " ~/.kube/config): " + ex.getMessage() + ". Run in a pod with a service account, or provide a"
                    + " kubeconfig");
        }
    }

    /**
     * The Kubernetes namespace holding the Lease objects.
     * @return the namespace
     */
    public String namespace() {
        return namespace;
    }

    /**
     * Asks the API server whether this client may use Leases in the backend's namespace as the backend does, so
     * missing RBAC shows at startup rather than at the first lock. It sends one {@code SelfSubjectAccessReview} for
     * each verb the backend uses on {@code leases.coordination.k8s.io}: {@code get}, {@code create}, {@code update}
     * and {@code watch}.
     *
     * <p>Without {@code watch} waiters poll instead of being woken: that is logged as a warning, not thrown. When the
     * API server cannot be reached, or does not answer the reviews (HTTP 403 or 404 on the review endpoint, or any
     * other failure), a warning says the permissions could not be checked and the method returns: it never requires
     * the cluster to be up. Messages and logs name the server, never the client's credentials.
     * @throws LockConfigurationException if the API server denies {@code get}, {@code create} or {@code update}
     *     (the message names the namespace, the missing verbs and the Role to grant), or does not accept the
     *     client's credentials (HTTP 401)
     * @param namespace the locks' namespace; it does not matter here, as RBAC grants Leases by Kubernetes namespace
     *     and verb, not by name prefix
     * @since 0.2.0
     */
    @Override
    public void checkAccess(@Nullable String namespace) {
        new LeaseAccess(new AuthorizationV1Api(client), this.namespace).check();
    }

    /**
     * The client the backend talks through.
     * @return the client
     */
    public ApiClient client() {
        return client;
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    /** The Lease name: {@code sherlock.<namespace>.<name>}, hashed where needed (see the class description). */
    @Override
    public String key(@Nullable String namespace, String name) {
        return LeaseNames.leaseName(namespace, name);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        return StoreException.guard("kubernetes", "acquire", key, () -> doTryAcquire(key, owner, expire));
    }

    private AcquireResult doTryAcquire(String key, String owner, @Nullable Duration expire) {
        Observation seen = observations.get(key);
        boolean fresh = false;
        for (int round = 0; round < ROUNDS; round++) {
            if (seen == null) {
                AcquireResult created = requests.create(key, owner, expire);
                if (created != null) {
                    return created;
                }
                seen = requests.read(key);
                fresh = true;
                if (seen == null) {
                    continue;
                }
            }
            if (seen.heldBy(owner)) {
                return AcquireResult.acquired(LeaseContents.fencingToken(seen.lease()));
            }
            long now = System.nanoTime();
            if (seen.heldAt(now)) {
                if (!fresh) {
                    // Cached knowledge of a holder may be stale: look again before reporting it.
                    seen = requests.read(key);
                    fresh = true;
                    continue;
                }
                return AcquireResult.held(seen.remainingAt(now), ResourceVersions.number(seen.resourceVersion()));
            }
            long token = LeaseContents.nextToken(seen.lease());
            switch (requests.replace(key, LeaseContents.taken(seen.lease(), owner, expire, token))) {
                case DONE -> {
                    return AcquireResult.acquired(token);
                }
                case CONFLICT -> {
                    // Somebody changed the Lease between our read and our write, or this 409 answers the client's
                    // resend of our own write, which was applied: the next round tells which. A waiter's watch has
                    // often delivered the newer version already: no need to read it then.
                    Observation newer = observations.get(key);
                    seen = newer != null && ResourceVersions.isOlder(seen.resourceVersion(), newer.resourceVersion())
                            ? newer : requests.read(key);
                    fresh = true;
                }
                case ABSENT -> seen = null;
            }
        }
        return AcquireResult.held(null, 0);
    }

    /**
     * An expired hold is still cleared, so others need not wait out its expiry, but reported as lost. A release of a
     * current hold records its owner in {@value #RELEASED_BY_ANNOTATION}, so a resent copy that finds the Lease freed
     * by that very owner answers {@code true}.
     */
    @Override
    public boolean release(String key, String owner) {
        return StoreException.guard("kubernetes", "release", key, () -> doRelease(key, owner));
    }

    private boolean doRelease(String key, String owner) {
        return writeOwned(key, owner, (current, expired) -> LeaseContents.freed(current, expired ? null : owner),
                true, lease -> owner.equals(LeaseContents.annotation(lease, RELEASED_BY_ANNOTATION)));
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return StoreException.guard("kubernetes", "renew", key, () -> doRenew(key, owner, expire));
    }

    private boolean doRenew(String key, String owner, @Nullable Duration expire) {
        return writeOwned(key, owner, (current, expired) -> LeaseContents.renewed(current, expire), false,
                lease -> false);
    }

    /** Leases express whole seconds in an int32: below 1 s or beyond {@value Integer#MAX_VALUE} s they cannot. */
    @Override
    public @Nullable String unsupportedExpire(Duration expire) {
        return LeaseContents.unsupportedDuration(expire);
    }

    /**
     * Replaces the Lease with {@code change} of it while {@code owner} holds it, at the resource version read.
     * A conflict with our holder identity still in place (someone edited a label) is read again and retried.
     * @param change the new Lease from the current one and whether the hold had expired by this client's clock
     * @param whenExpired whether an expired hold of {@code owner} is still written (and reported as lost)
     * @param done whether a Lease no longer held by {@code owner} shows this very write applied already (by a copy
     *     of it the client resent)
     * @return whether the hold was current and the write succeeded
     */
    private boolean writeOwned(String key, String owner, BiFunction<V1Lease, Boolean, V1Lease> change,
            boolean whenExpired, Predicate<V1Lease> done) {
        Observation seen = observations.get(key);
        boolean fresh = false;
        for (int round = 0; round < ROUNDS; round++) {
            if (seen == null || !seen.heldBy(owner)) {
                if (fresh) {
                    return seen != null && done.test(seen.lease());
                }
                seen = requests.read(key);
                fresh = true;
                continue;
            }
            boolean expired = seen.expiredAt(System.nanoTime());
            if (expired && !whenExpired) {
                return false;
            }
            LeaseRequests.Write write = requests.replace(key, change.apply(seen.lease(), expired));
            if (write == LeaseRequests.Write.DONE) {
                return !expired;
            }
            if (write == LeaseRequests.Write.ABSENT) {
                return false;
            }
            seen = requests.read(key);
            fresh = true;
        }
        return false;
    }

    @Override
    public boolean isLocked(String key) {
        return StoreException.guard("kubernetes", "isLocked", key, () -> doIsLocked(key));
    }

    private boolean doIsLocked(String key) {
        Observation seen = requests.read(key);
        return seen != null && seen.heldAt(System.nanoTime());
    }

    /** Waits on a watch of the Lease, started at the resource version the failed acquire saw. */
    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        watches.await(key, observedVersion, maxWait);
        return WaitOutcome.tryAgain();
    }

    /**
     * Stops the watches of waiters; when the backend created its client itself, also its connections and threads.
     */
    @Override
    public void close() {
        watches.close();
        if (ownsClient) {
            client.getHttpClient().dispatcher().executorService().shutdown();
            client.getHttpClient().connectionPool().evictAll();
        }
    }

    /** How many Leases are watched for waiters right now; for tests and diagnostics. */
    int activeWatches() {
        return watches.active();
    }

    @Override
    public String toString() {
        return "KubernetesBackend (namespace " + namespace + ", " + client.getBasePath() + ")";
    }


    /**
     * Configures a {@link KubernetesBackend}. Without a {@link #client(ApiClient) client}, the backend creates one with
     * the standard configuration: the in-cluster service account when running in a pod, otherwise
     * {@code $KUBECONFIG} or {@code ~/.kube/config} ({@link Config#defaultClient()}), and closes it on
     * {@link KubernetesBackend#close()}.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private @Nullable ApiClient client;

        private @Nullable String namespace;

        private Path namespaceFile = ServiceAccountNamespace.FILE;

        private Builder() {
        }

        /**
         * Uses the application's client, which the backend leaves open.
         * @param client the configured client
         * @return this builder
         */
        public Builder client(ApiClient client) {
            if (client == null) {
                throw new LockConfigurationException("Backend kubernetes: 'client' must not be null");
            }
            this.client = client;
            return this;
        }

        /**
         * Sets the Kubernetes namespace holding the Lease objects; it must exist. Without one (or with
         * {@code null}) the Leases go to the pod's own namespace, the trimmed content of
         * {@code /var/run/secrets/kubernetes.io/serviceaccount/namespace} when that file exists and is not blank,
         * otherwise to {@value KubernetesBackend#DEFAULT_NAMESPACE}. A namespace set here always wins over the file.
         * @param namespace a valid Kubernetes namespace name, or {@code null} for the default
         * @return this builder
         */
        public Builder namespace(@Nullable String namespace) {
            this.namespace = namespace;
            return this;
        }

        /** Reads the default namespace from this file instead of the service account's; for tests. */
        Builder namespaceFile(Path file) {
            this.namespaceFile = file;
            return this;
        }

        /**
         * Creates the backend.
         * @return the backend; close it on shutdown
         * @throws LockConfigurationException if the namespace (set, or read from the service account's namespace
         *     file) is not a valid Kubernetes namespace, or no client was given and no client configuration can be
         *     loaded
         */
        public KubernetesBackend build() {
            String checked = namespace != null ? LeaseNames.requireKubernetesNamespace(namespace)
                    : ServiceAccountNamespace.read(namespaceFile);
            return client != null ? new KubernetesBackend(client, checked, false)
                    : new KubernetesBackend(defaultClient(checked), checked, true);
        }
    }
}
