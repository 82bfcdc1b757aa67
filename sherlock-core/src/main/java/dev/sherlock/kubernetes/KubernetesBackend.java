package dev.sherlock.kubernetes;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.kubernetes.LeaseObservations.Observation;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.Config;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p><b>Fencing.</b> Release clears the holder but keeps the Lease, so each Lease carries its lock's history: the
 * fencing token of each acquisition, stored in the annotation {@value #FENCING_TOKEN_ANNOTATION}, is
 * {@code max(previous token + 1, current time in microseconds)}: strictly increasing, and still increasing if
 * someone deletes the Lease (unless clocks differ by more than the time between the two acquisitions).
 * {@code leaseTransitions} counts the acquisitions of the Lease object.
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

    /** Label put on every Lease the backend creates, with the value {@value #MANAGED_BY}. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

    /** Value of {@link #MANAGED_BY_LABEL}. */
    public static final String MANAGED_BY = "sherlock";

    private static final Logger logger = LoggerFactory.getLogger(KubernetesBackend.class);

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
     * Creates the backend with the standard client configuration: the in-cluster service account when running in a
     * pod, otherwise {@code $KUBECONFIG} or {@code ~/.kube/config} ({@link Config#defaultClient()}).
     * @param namespace the Kubernetes namespace holding the Lease objects; it must exist
     * @throws LockConfigurationException if the namespace is not a valid Kubernetes namespace or no client
     *     configuration can be loaded
     */
    public KubernetesBackend(String namespace) {
        this(defaultClient(LeaseNames.requireKubernetesNamespace(namespace)), namespace, true);
    }

    /**
     * Creates the backend on an application's client, which it leaves open on {@link #close()}.
     * @param client the configured client
     * @param namespace the Kubernetes namespace holding the Lease objects; it must exist
     * @throws LockConfigurationException if the client is null or the namespace is not a valid Kubernetes namespace
     */
    public KubernetesBackend(ApiClient client, String namespace) {
        this(client, namespace, false);
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
                return AcquireResult.acquired(fencingToken(seen.lease()));
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
            long token = nextToken(seen.lease());
            switch (replace(key, taken(seen.lease(), owner, expire, token))) {
                case DONE -> {
                    return AcquireResult.acquired(token);
                }
                case CONFLICT -> {
                    if (fresh) {
                        // Somebody changed the Lease between our read and our write: they won.
                        return AcquireResult.held(null, ResourceVersions.number(seen.resourceVersion()));
                    }
                    // A waiter's watch has often delivered the write that beat us already: no need to read it.
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

    /** An expired hold is still cleared, so others need not wait out its expiry, but reported as lost. */
    @Override
    public boolean release(String key, String owner) {
        return writeOwned(key, owner, KubernetesBackend::freed, true);
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return writeOwned(key, owner, current -> renewed(current, expire), false);
    }

    /**
     * Replaces the Lease with {@code change} of it while {@code owner} holds it, at the resource version read.
     * A conflict with our holder identity still in place (someone edited a label) is read again and retried.
     * @param whenExpired whether an expired hold of {@code owner} is still written (and reported as lost)
     * @return whether the hold was current and the write succeeded
     */
    private boolean writeOwned(String key, String owner, UnaryOperator<V1Lease> change, boolean whenExpired) {
        Observation seen = observations.get(key);
        boolean fresh = false;
        for (int round = 0; round < ROUNDS; round++) {
            if (seen == null || !seen.heldBy(owner)) {
                if (fresh) {
                    return false;
                }
                seen = read(key);
                fresh = true;
                continue;
            }
            boolean expired = seen.expiredAt(System.nanoTime());
            if (expired && !whenExpired) {
                return false;
            }
            Write write = replace(key, change.apply(seen.lease()));
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
    public void awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        watches.await(key, observedVersion, maxWait);
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
        long token = nextToken(null);
        V1Lease lease = new V1Lease().metadata(new V1ObjectMeta().name(key)
            .labels(Map.of(MANAGED_BY_LABEL, MANAGED_BY))
            .annotations(Map.of(FENCING_TOKEN_ANNOTATION, Long.toString(token))));
        lease.setSpec(holding(new V1LeaseSpec().leaseTransitions(0), owner, expire));
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

    private LeaseRequestException failure(String verb, String key, ApiException ex) {
        return LeaseRequestException.of(verb, client.getBasePath(), namespace, key, ex);
    }

    /** A copy of the Lease, taken by {@code owner}; the copy carries the resource version it was read at. */
    private static V1Lease taken(V1Lease current, String owner, @Nullable Duration expire, long token) {
        V1Lease lease = copy(current);
        V1ObjectMeta metadata = lease.getMetadata();
        Map<String, String> annotations = new HashMap<>(metadata.getAnnotations() == null ? Map.of()
                : metadata.getAnnotations());
        annotations.put(FENCING_TOKEN_ANNOTATION, Long.toString(token));
        metadata.setAnnotations(annotations);
        Map<String, String> labels = new HashMap<>(metadata.getLabels() == null ? Map.of() : metadata.getLabels());
        labels.putIfAbsent(MANAGED_BY_LABEL, MANAGED_BY);
        metadata.setLabels(labels);
        V1LeaseSpec spec = lease.getSpec() == null ? new V1LeaseSpec() : lease.getSpec();
        Integer transitions = spec.getLeaseTransitions();
        spec.setLeaseTransitions(transitions == null ? 0 : (int) Math.min(Integer.MAX_VALUE, transitions + 1L));
        lease.setSpec(holding(spec, owner, expire));
        return lease;
    }

    private static V1LeaseSpec holding(V1LeaseSpec spec, String owner, @Nullable Duration expire) {
        OffsetDateTime now = now();
        spec.setHolderIdentity(owner);
        spec.setLeaseDurationSeconds(durationSeconds(expire));
        spec.setAcquireTime(now);
        spec.setRenewTime(now);
        return spec;
    }

    /**
     * A copy of the Lease, renewed. The renewTime always moves forward, even if the wall clock stepped back: an
     * update that changes nothing keeps its resourceVersion, and other clients would then not see the renewal.
     */
    private static V1Lease renewed(V1Lease current, @Nullable Duration expire) {
        V1Lease lease = copy(current);
        V1LeaseSpec spec = lease.getSpec();
        spec.setLeaseDurationSeconds(durationSeconds(expire));
        OffsetDateTime now = now();
        OffsetDateTime previous = spec.getRenewTime();
        spec.setRenewTime(previous != null && !now.isAfter(previous) ? previous.plus(1, ChronoUnit.MICROS) : now);
        return lease;
    }

    /**
     * A copy of the Lease with no holder. As client-go's release does, the duration becomes one second; the
     * renewTime goes, as nobody renews a free Lease (readers that judge by it, such as py-sherlock, then see it free).
     */
    private static V1Lease freed(V1Lease current) {
        V1Lease lease = copy(current);
        V1LeaseSpec spec = lease.getSpec();
        spec.setHolderIdentity(null);
        spec.setLeaseDurationSeconds(1);
        spec.setRenewTime(null);
        return lease;
    }

    /** Whole seconds, rounded up; {@code null} (no duration) for never. */
    static @Nullable Integer durationSeconds(@Nullable Duration expire) {
        if (expire == null) {
            return null;
        }
        long seconds = expire.getSeconds() + (expire.getNano() > 0 ? 1 : 0);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds));
    }

    static long fencingToken(V1Lease lease) {
        Map<String, String> annotations = lease.getMetadata() == null ? null : lease.getMetadata().getAnnotations();
        String value = annotations == null ? null : annotations.get(FENCING_TOKEN_ANNOTATION);
        if (value != null) {
            try {
                return Math.max(0, Long.parseLong(value.trim()));
            }
            catch (NumberFormatException ex) {
                logger.debug("Backend kubernetes: lease {} has an unreadable fencing token '{}'",
                        lease.getMetadata().getName(), value);
            }
        }
        Integer transitions = lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
        return transitions == null ? 0 : Math.max(0, transitions);
    }

    private static long nextToken(@Nullable V1Lease lease) {
        long previous = lease == null ? 0 : fencingToken(lease);
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
        return Math.max(previous + 1, micros);
    }

    private static OffsetDateTime now() {
        // MicroTime: the API server keeps microseconds, in UTC.
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    private static V1Lease copy(V1Lease lease) {
        return JSON.deserialize(JSON.serialize(lease), V1Lease.class);
    }

    @Override
    public String toString() {
        return "KubernetesBackend (namespace " + namespace + ", " + client.getBasePath() + ")";
    }

    private enum Write {
        DONE, CONFLICT, ABSENT
    }
}
