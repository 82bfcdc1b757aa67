package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import dev.sherlock.spi.WaitOutcome;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import org.jspecify.annotations.Nullable;

/**
 * Locks in etcd (v3 API) through jetcd: each held lock is one key, {@code sherlock/<namespace>/<name>}, whose value
 * is the holder's owner token and which is bound to an etcd lease unless the lock never expires.
 *
 * <p>A lock is taken by one transaction that creates the key only if it does not exist, so etcd's Raft-replicated
 * store decides between contenders; release and renewal compare the key's value with the owner token first. The
 * fencing token is the key's create revision. The key lives as long as its lease ({@code expire} rounded up to whole
 * seconds; expiries below the cluster's {@link #minimumLeaseTtl()} are refused). Every new key is created on a lease
 * that is revoked if the creating transaction fails, so no abandoned attempt leaves a key held by nobody; a retried
 * attempt of the same owner finds its key and acquires it. Leases left without a key are reused by the next attempt.
 * Waiters watch the key from the revision right after their failed attempt. On a contended lock they stand in line,
 * each with an entry on a short lease of its own, and a release hands the lock to the one that waited longest in the
 * same transaction (its token is then that release's revision). The arguments and limits are in
 * {@code docs/etcd.md}.
 *
 * <p>Every request waits at most {@code requestTimeout} (default 5 s) for etcd's answer. Failures are thrown as
 * {@code StoreException}s and never reported as a lost lock: the renewal machinery retries until the lock would
 * expire.
 *
 * <p>It is a little over 300 lines only with its nested builder, the shape every backend shares.
 *
 * @since 0.1.0
 */
public final class EtcdBackend implements LockBackend {

    /** How long each etcd request may take unless configured otherwise. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * The minimum lease TTL the backend assumes unless configured otherwise: etcd's with default settings (1.5 times
     * the 1 s election timeout, rounded up).
     */
    public static final Duration DEFAULT_MINIMUM_LEASE_TTL = EtcdLeaseTtls.DEFAULT_MINIMUM;

    /**
     * The shortest lease a lock that never expires is created on; it is detached at once, so the lease only matters
     * if this process dies between the two transactions.
     */
    private static final long MIN_SAFETY_LEASE_SECONDS = 60;

    private static final GetOption COUNT_ONLY = GetOption.builder().withCountOnly(true).build();

    private final Client client;

    private final boolean ownsClient;

    private final KV kv;

    private final EtcdRequests requests;

    private final EtcdLeases leases;

    private final long safetyLeaseSeconds;

    private final ReleaseWatches watches;

    private final LineWaiters waiters;

    private final LineView line;

    private final EtcdAcquisitions acquisitions;

    private final EtcdHolds holds;

    private final Duration minimumLeaseTtl;

    /** How the backend's own client connects; null for the application's client. */
    private final @Nullable EtcdConnection connection;

    private volatile boolean closed;

    private EtcdBackend(Client client, @Nullable EtcdConnection connection, Duration requestTimeout,
            Duration minimumLeaseTtl, boolean ownsClient) {
        this.client = client;
        this.connection = connection;
        this.ownsClient = ownsClient;
        this.minimumLeaseTtl = minimumLeaseTtl;
        this.kv = client.getKVClient();
        this.requests = new EtcdRequests(requestTimeout);
        this.leases = new EtcdLeases(client.getLeaseClient(), requests, minimumLeaseTtl);
        this.safetyLeaseSeconds = Math.max(MIN_SAFETY_LEASE_SECONDS, 2 * leaseSeconds(requestTimeout));
        this.watches = new ReleaseWatches(client.getWatchClient());
        this.waiters = new LineWaiters(leases, leaseSeconds(minimumLeaseTtl));
        this.line = new LineView(kv, client.getWatchClient());
        this.acquisitions = new EtcdAcquisitions(kv, requests, leases, watches, waiters, line, safetyLeaseSeconds);
        this.holds = new EtcdHolds(kv, requests, leases, waiters, line);
    }

    /**
     * Starts configuring a backend: give it the application's client or the endpoints to connect to.
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A backend over the application's client, with the default request timeout and minimum lease TTL;
     * {@link #close()} leaves the client open.
     * @param client the jetcd client
     * @return the backend
     */
    public static EtcdBackend of(Client client) {
        return builder().client(client).build();
    }

    private static EtcdBackend connect(EtcdConnection connection, Duration requestTimeout,
            Duration minimumLeaseTtl) {
        Client client = connection.connect(true);
        try {
            return new EtcdBackend(client, connection, requestTimeout, minimumLeaseTtl, true);
        }
        catch (RuntimeException ex) {
            client.close();
            throw ex;
        }
    }

    private static void requirePositive(String field, @Nullable Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new LockConfigurationException("Backend etcd: '" + field + "' must be positive but was " + value);
        }
    }

    /**
     * The jetcd client this backend uses.
     * @return the client
     */
    public Client client() {
        return client;
    }

    /**
     * How long each etcd request may take before it counts as failed.
     * @return the request timeout
     */
    public Duration requestTimeout() {
        return requests.timeout();
    }

    /**
     * The minimum lease TTL this backend assumes the cluster has; shorter expiries are refused.
     * @return the minimum lease TTL
     */
    public Duration minimumLeaseTtl() {
        return minimumLeaseTtl;
    }

    @Override
    public String name() {
        return "etcd";
    }

    /**
     * Refuses expiries below the cluster's minimum lease TTL, which etcd would lengthen, and beyond its longest
     * lease.
     */
    @Override
    public @Nullable String unsupportedExpire(Duration expire) {
        return EtcdLeaseTtls.unsupported(expire, minimumLeaseTtl);
    }

    @Override
    public String key(@Nullable String namespace, String name) {
        return EtcdKeys.key(namespace, name);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        return StoreException.guard("etcd", "acquire", key, () -> acquisitions.tryAcquire(key, owner, expire, null));
    }

    /**
     * As {@link #tryAcquire(String, String, Duration)}; a caller that fails while the lock is known to be taken
     * stands in line (see {@code docs/etcd.md}), and a release may hand it the lock.
     */
    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire,
            Duration nextAttemptWithin) {
        return StoreException.guard("etcd", "acquire", key,
                () -> acquisitions.tryAcquire(key, owner, expire, nextAttemptWithin));
    }

    @Override
    public boolean release(String key, String owner) {
        return StoreException.guard("etcd", "release", key, () -> holds.release(key, owner));
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return StoreException.guard("etcd", "renew", key, () -> holds.renew(key, owner, expire));
    }

    /** Renews the locks with their reads and keep-alives in flight together: two round trips for the batch. */
    @Override
    public List<Boolean> renewAll(List<HeldKey> held) {
        return StoreException.guard("etcd", "renew", held.size() + " keys ('" + held.get(0).key() + "', ...)",
                () -> holds.renewAll(held));
    }

    @Override
    public boolean isLocked(String key) {
        return StoreException.guard("etcd", "isLocked", key,
                () -> await(kv.get(bytes(key), COUNT_ONLY), "get", key).getCount() > 0);
    }

    /**
     * Waits on the key's watch for its deletion after {@code observedVersion} (a revision). Without one, answers
     * "still held" from the watch if the server confirmed it within the last second, else from a read, so a waiter
     * sends no transaction while the lock stays held; "try again" if the read finds the key gone or fails.
     */
    @Override
    public WaitOutcome awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        return await(key, null, observedVersion, maxWait);
    }

    /**
     * As {@link #awaitRelease(String, long, Duration)}, and answers "acquired" to a caller in line once its watch
     * sees a release hand it the lock: the key written with its owner token on its line lease.
     */
    @Override
    public WaitOutcome awaitRelease(String key, String owner, long observedVersion, Duration maxWait)
            throws InterruptedException {
        return await(key, owner, observedVersion, maxWait);
    }

    private WaitOutcome await(String key, @Nullable String owner, long observedVersion, Duration maxWait)
            throws InterruptedException {
        if (closed) {
            throw new StoreException("the etcd backend is closed");
        }
        LineWaiters.Waiting waiting = owner == null ? null : waiters.get(owner);
        if (waiting != null) {
            // Its line lease is kept alive while it waits.
            waiters.waits(owner, maxWait.toNanos());
        }
        KeyWatch watch = watches.await(key, observedVersion, maxWait, waiting == null ? null : bytes(owner),
                waiting == null ? 0 : waiting.lease);
        if (waiting != null) {
            long handed = watch.handedAt(bytes(owner), waiting.lease, observedVersion);
            if (handed > 0) {
                WaitOutcome acquired = handedOver(owner, waiting, handed);
                if (acquired != null) {
                    return acquired;
                }
            }
        }
        if (watch.deletedAfter(observedVersion)) {
            return WaitOutcome.tryAgain();
        }
        long held = watch.heldRevision();
        if (held > 0 && watch.confirmedSince(System.nanoTime())) {
            return WaitOutcome.stillHeld(null, held);
        }
        // The watch's word is too old (or it broke): a read is cheaper for etcd than a failed transaction, which is
        // a Raft proposal. A key that exists is somebody else's, or handed to this waiter in line.
        try {
            GetResponse read = await(kv.get(bytes(key), waiting == null ? COUNT_ONLY : GetOption.DEFAULT), "get", key);
            if (read.getCount() == 0) {
                return WaitOutcome.tryAgain();
            }
            long revision = read.getHeader().getRevision();
            if (waiting != null) {
                KeyValue current = read.getKvs().get(0);
                if (current.getValue().equals(bytes(owner)) && current.getLease() == waiting.lease
                        && current.getModRevision() > observedVersion) {
                    WaitOutcome acquired = handedOver(owner, waiting, current.getModRevision());
                    if (acquired != null) {
                        return acquired;
                    }
                }
            }
            watches.observedHeld(key, revision);
            return WaitOutcome.stillHeld(null, revision);
        }
        catch (RuntimeException ex) {
            // Let the attempt find out.
            return WaitOutcome.tryAgain();
        }
    }

    /**
     * The lock handed to {@code owner} at {@code revision}, valid as long as its line lease is known to live, counted
     * from the waiter's latest attempt (which the core's own count starts before); {@code null} if the waiter was
     * given up on meanwhile (its lease lapsed; its next attempt finds its key, if still there).
     */
    private @Nullable WaitOutcome handedOver(String owner, LineWaiters.Waiting waiting, long revision) {
        if (!waiters.leave(owner, waiting)) {
            return null;
        }
        long alive = leases.aliveUntil(waiting.lease) - waiting.attemptSent();
        return WaitOutcome.acquired(revision, Duration.ofNanos(Math.max(0, alive)));
    }

    /**
     * Checks that etcd accepts this backend's client for locks in {@code namespace}: the TLS handshake, the user and
     * password, and the permission to read and write the namespace's lock keys (one transaction that writes nothing,
     * see {@code docs/etcd.md}). With its own client the check connects once more without waiting for the
     * connection, so a refused handshake is reported as such; with the application's client a refused handshake
     * looks like an unreachable member.
     * @throws LockConfigurationException if etcd refuses, naming the members and what was refused
     * @since 0.2.0
     */
    @Override
    public void checkAccess(@Nullable String namespace) {
        String key = EtcdKeys.key(namespace, EtcdAccess.PROBE_NAME);
        if (connection == null) {
            EtcdAccess.check(kv, key, requests.timeout(), "the application's client", null, false, false);
            return;
        }
        try (Client probe = connection.connect(false)) {
            EtcdAccess.check(probe.getKVClient(), key, requests.timeout(), connection.describe(), connection.user(),
                    connection.tls(), connection.clientCertificate());
        }
    }

    /**
     * Closes the key watches, revokes spare leases, waits up to the request timeout for revocations under way, and
     * closes the client if this backend created it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            watches.close();
            line.close();
            waiters.close();
            leases.close();
        }
        finally {
            if (ownsClient) {
                client.close();
            }
        }
    }

    /** Number of open key watches, for tests. */
    int openWatches() {
        return watches.size();
    }

    /** The owner this backend would hand {@code key} to on release, for tests. */
    @Nullable String nextInLine(String key) {
        LineView.Entry next = line.head(key, "");
        return next == null ? null : next.owner();
    }

    /** Number of this backend's callers standing in line, for tests. */
    int waitersInLine() {
        return waiters.size();
    }

    /** Number of spare leases, for tests. */
    int spareLeases() {
        return leases.spareCount();
    }

    private <T> T await(CompletableFuture<T> request, String what, String key) {
        return requests.await(request, what, key);
    }

    private static long leaseSeconds(Duration expire) {
        return EtcdLeaseTtls.seconds(expire);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return connection != null ? "EtcdBackend (" + connection + ")" : "EtcdBackend";
    }

    /**
     * Configures an {@link EtcdBackend}: either over the application's {@link #client(Client) client}, which stays
     * open when the backend is closed, or over a client of its own to the given {@link #endpoints(Collection)
     * endpoints}, which the backend closes.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private @Nullable Client client;

        private @Nullable Collection<String> endpoints;

        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;

        private Duration minimumLeaseTtl = DEFAULT_MINIMUM_LEASE_TTL;

        private @Nullable String user;

        private @Nullable String password;

        private boolean tls;

        private @Nullable TrustManagerFactory trustManagers;

        private @Nullable KeyManagerFactory keyManagers;

        private @Nullable String authority;

        private Builder() {
        }

        /**
         * Uses the application's client; {@link EtcdBackend#close()} leaves it open.
         * @param client the jetcd client
         * @return this builder
         */
        public Builder client(Client client) {
            this.client = client;
            return this;
        }

        /**
         * Connects with a client of the backend's own to these members.
         * @param endpoints the members' client URLs, e.g. {@code http://etcd-0:2379}; an element may itself be a
         *     comma-separated list
         * @return this builder
         */
        public Builder endpoints(String... endpoints) {
            return endpoints(Arrays.asList(endpoints));
        }

        /**
         * Connects with a client of the backend's own to these members.
         * @param endpoints the members' client URLs; an element may itself be a comma-separated list
         * @return this builder
         */
        public Builder endpoints(Collection<String> endpoints) {
            this.endpoints = endpoints;
            return this;
        }

        /**
         * Sets how long each etcd request may take before it counts as failed; 5 s by default.
         * @param requestTimeout a positive duration
         * @return this builder
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /**
         * Sets the cluster's minimum lease TTL: 1.5 times its election timeout, rounded up to whole seconds (2 s
         * with etcd's defaults); shorter expiries are refused.
         * @param minimumLeaseTtl a positive duration
         * @return this builder
         */
        public Builder minimumLeaseTtl(Duration minimumLeaseTtl) {
            this.minimumLeaseTtl = minimumLeaseTtl;
            return this;
        }

        /**
         * Authenticates the backend's own client as this etcd user. Over {@code http://} endpoints the password
         * travels unencrypted (a warning says so unless the member is this host); use {@code https://}.
         * @param user the etcd user
         * @param password its password; it appears in no message, log or {@code toString()}
         * @return this builder
         * @since 0.2.0
         */
        public Builder credentials(String user, String password) {
            this.user = user;
            this.password = password;
            return this;
        }

        /**
         * Speaks TLS to the {@code https://} endpoints with these trust and key managers (e.g. from a Spring Boot
         * SSL bundle). Without this call, {@code https://} endpoints are trusted by the JVM's default trust store
         * and no client certificate is sent.
         * @param trustManagers trusts etcd's server certificate (its CA), or null for the JVM's default
         * @param keyManagers presents the client certificate etcd's {@code --client-cert-auth} asks for, or null
         *     for none
         * @return this builder
         * @since 0.2.0
         */
        public Builder tls(@Nullable TrustManagerFactory trustManagers, @Nullable KeyManagerFactory keyManagers) {
            this.tls = true;
            this.trustManagers = trustManagers;
            this.keyManagers = keyManagers;
            return this;
        }

        /**
         * Overrides the authority (the host name) the client expects in etcd's certificate and sends to it, e.g.
         * when the endpoints are IP addresses but the certificate names a host.
         * @param authority the authority, e.g. {@code etcd.example.com}
         * @return this builder
         * @since 0.2.0
         */
        public Builder authority(String authority) {
            this.authority = authority;
            return this;
        }

        /**
         * Creates the backend, connecting if endpoints were given.
         * @return the backend; close it on shutdown
         * @throws LockConfigurationException if neither or both of client and endpoints were given, an endpoint is
         *     not an http(s) URL, a duration is not positive, the endpoints mix http and https, TLS is set for http
         *     endpoints, or credentials, TLS or an authority were given with the application's client (configure
         *     them on that client)
         */
        public EtcdBackend build() {
            if ((client == null) == (endpoints == null)) {
                throw new LockConfigurationException("Backend etcd: give either 'client' or 'endpoints'"
                        + (client == null ? ", none was given" : ", not both"));
            }
            requirePositive("requestTimeout", requestTimeout);
            requirePositive("minimumLeaseTtl", minimumLeaseTtl);
            if (client != null) {
                if (user != null || password != null || tls || authority != null) {
                    throw new LockConfigurationException("Backend etcd: credentials, TLS and the authority apply to"
                            + " the backend's own client (endpoints); configure them on the application's client"
                            + " instead");
                }
                return new EtcdBackend(client, null, requestTimeout, minimumLeaseTtl, false);
            }
            return connect(new EtcdConnection(EtcdEndpoints.parse(endpoints), user, password, tls, trustManagers,
                    keyManagers, authority), requestTimeout, minimumLeaseTtl);
        }
    }
}
