package dev.sherlock.kubernetes;

import java.io.IOException;
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
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.util.Config;
import org.jspecify.annotations.Nullable;

/**
 * Locks as {@code coordination.k8s.io/v1} Lease objects in one Kubernetes namespace, through client-java.
 *
 * <p><b>Atomicity.</b> Every write is guarded: a Lease is created only if absent, and replaced only at the
 * {@code resourceVersion} this client read, so of two clients racing for a lock exactly one write succeeds and the
 * other gets HTTP 409, which simply means "someone else won". A lock is held when {@code spec.holderIdentity} is set;
 * the other standard fields are kept as Kubernetes leader election does ({@code leaseDurationSeconds},
 * {@code acquireTime}, {@code renewTime}, {@code leaseTransitions}).
 *
 * <p><b>Expiry without trusting clocks.</b> A Lease held by someone else counts as expired once it has stayed
 * unchanged for {@code leaseDurationSeconds}, measured on this JVM's monotonic clock from when this client first saw
 * that version (as client-go's leader election does), never from the remote {@code renewTime}. Clock differences
 * between machines therefore cannot produce two holders. Consequences: {@code leaseDurationSeconds} is the expiry
 * rounded <em>up</em> to whole seconds; a client that first sees a crashed holder's Lease waits a whole duration
 * from then; a lock that never expires has no {@code leaseDurationSeconds}.
 *
 * <p><b>Resent requests.</b> The HTTP client may send a request again on a new connection when the first one's reply
 * was lost although the API server applied it (OkHttp does so on a reused connection). The resent write then gets
 * 409; the backend reads the Lease and recognises its own work: an acquisition finds the Lease held by its owner token
 * and answers "acquired" with the token it wrote; a release finds the annotation {@value #RELEASED_BY_ANNOTATION},
 * written by the release itself, naming its owner token, and answers {@code true}.
 *
 * <p><b>Fencing.</b> Release clears the holder but keeps the Lease, so each Lease carries its lock's history: the
 * fencing token of each acquisition, stored in the annotation {@value #FENCING_TOKEN_ANNOTATION}, is
 * {@code max(previous token + 1, current time in microseconds)}: strictly increasing, and still increasing if
 * someone deletes the Lease (unless clocks differ by more than the time between the two acquisitions).
 * {@code leaseTransitions} counts the acquisitions of the Lease object.
 *
 * <p><b>Expiry limits.</b> {@code leaseDurationSeconds} is a whole number of seconds in an int32: an expiry below
 * 1 s or above {@value Integer#MAX_VALUE} s is refused ({@link #unsupportedExpire(Duration)}).
 *
 * <p><b>Names.</b> The Lease of lock {@code orders} in Sherlock namespace {@code billing} is
 * {@code sherlock.billing.orders}; names that are not lowercase DNS labels get a readable prefix and a hash, so any
 * Unicode name maps to a valid, distinct Lease name.
 *
 * <p><b>Waiting.</b> Waiters watch the Lease and wake when it is released; without the {@code watch} permission
 * they poll at their retry interval.
 *
 * <p>The service account needs {@code get}, {@code create}, {@code update} and {@code watch} on {@code leases} in
 * the namespace (see {@code docs/kubernetes.md}). The backend is thread-safe; it keeps no per-hold state, only a
 * bounded cache of what it observed of each Lease.
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

    /** The Kubernetes namespace of the Lease objects unless another is configured. */
    public static final String DEFAULT_NAMESPACE = "default";

    private static final int OBSERVATIONS = 4096;

    /** Read-decide-write rounds per call before giving up as "somebody else keeps changing it". */
    private static final int ROUNDS = 4;

    private final ApiClient client;

    private final CoordinationV1Api api;

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
     * A backend on an application's client, with Leases in the namespace {@value #DEFAULT_NAMESPACE}; the client
     * stays open on {@link #close()}.
     * @param client the configured client
     * @return the backend
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
        this.api = new CoordinationV1Api(client);
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
        Observation seen = observations.get(key);
        boolean fresh = false;
        for (int round = 0; round < ROUNDS; round++) {
            if (seen == null) {
                AcquireResult created = create(key, owner, expire);
                if (created != null) {
                    return created;
                }
                seen = read(key);
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
                    seen = read(key);
                    fresh = true;
                    continue;
                }
                return AcquireResult.held(seen.remainingAt(now), ResourceVersions.number(seen.resourceVersion()));
            }
            long token = LeaseContents.nextToken(seen.lease());
            switch (replace(key, LeaseContents.taken(seen.lease(), owner, expire, token))) {
                case DONE -> {
                    return AcquireResult.acquired(token);
                }
                case CONFLICT -> {
                    // Somebody changed the Lease between our read and our write, or this 409 answers the client's
                    // resend of our own write, which was applied: the next round tells which. A waiter's watch has
                    // often delivered the newer version already: no need to read it then.
                    Observation newer = observations.get(key);
                    seen = newer != null && ResourceVersions.isOlder(seen.resourceVersion(), newer.resourceVersion())
                            ? newer : read(key);
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
        return writeOwned(key, owner, (current, expired) -> LeaseContents.freed(current, expired ? null : owner),
                true, lease -> owner.equals(LeaseContents.annotation(lease, RELEASED_BY_ANNOTATION)));
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return writeOwned(key, owner, (current, expired) -> LeaseContents.renewed(current, expire), false,
                lease -> false);
    }

    /**
     * Leases express whole seconds in an int32: below 1 s the duration would be rounded up, beyond
     * {@value Integer#MAX_VALUE} s it cannot be written.
     */
    @Override
    public @Nullable String unsupportedExpire(Duration expire) {
        if (expire.compareTo(Duration.ofSeconds(1)) < 0) {
            return "is shorter than the 1 s Kubernetes Leases can express; use at least 1s";
        }
        if (expire.compareTo(Duration.ofSeconds(Integer.MAX_VALUE)) > 0) {
            return "is longer than the " + Integer.MAX_VALUE + " s (about 68 years) a Kubernetes Lease can express"
                    + " (leaseDurationSeconds is an int32); use at most " + Integer.MAX_VALUE + "s, or no expiry";
        }
        return null;
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
                seen = read(key);
                fresh = true;
                continue;
            }
            boolean expired = seen.expiredAt(System.nanoTime());
            if (expired && !whenExpired) {
                return false;
            }
            Write write = replace(key, change.apply(seen.lease(), expired));
            if (write == Write.DONE) {
                return !expired;
            }
            if (write == Write.ABSENT) {
                return false;
            }
            seen = read(key);
            fresh = true;
        }
        return false;
    }

    @Override
    public boolean isLocked(String key) {
        Observation seen = read(key);
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

    private @Nullable AcquireResult create(String key, String owner, @Nullable Duration expire) {
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

    private @Nullable Observation read(String key) {
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

    private Write replace(String key, V1Lease lease) {
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
        return LeaseFailures.of(verb, client.getBasePath(), namespace, key, ex);
    }

    @Override
    public String toString() {
        return "KubernetesBackend (namespace " + namespace + ", " + client.getBasePath() + ")";
    }

    private enum Write {
        DONE, CONFLICT, ABSENT
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

        private String namespace = DEFAULT_NAMESPACE;

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
         * Sets the Kubernetes namespace holding the Lease objects; it must exist. {@value #DEFAULT_NAMESPACE} by
         * default.
         * @param namespace a valid Kubernetes namespace name
         * @return this builder
         */
        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        /**
         * Creates the backend.
         * @return the backend; close it on shutdown
         * @throws LockConfigurationException if the namespace is not a valid Kubernetes namespace, or no client was
         *     given and no client configuration can be loaded
         */
        public KubernetesBackend build() {
            String checked = LeaseNames.requireKubernetesNamespace(namespace);
            return client != null ? new KubernetesBackend(client, checked, false)
                    : new KubernetesBackend(defaultClient(checked), checked, true);
        }
    }
}
