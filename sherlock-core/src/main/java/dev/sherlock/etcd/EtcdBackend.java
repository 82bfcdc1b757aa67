package dev.sherlock.etcd;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
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
 * <p><b>Guarantees.</b> A lock is taken by one transaction that creates the key only if it does not exist
 * ({@code createRevision == 0}), so etcd's linearizable, Raft-replicated store decides between contenders. Release
 * and renewal first compare the key's value with the owner token, so a holder whose lock expired and was taken over
 * never deletes or extends the new holder's lock. The fencing token is the revision at which the key was created:
 * cluster-wide, strictly increasing and durable across restarts and leader changes.
 *
 * <p><b>Expiry.</b> The key lives as long as its lease: {@code expire} is rounded up to whole seconds. etcd raises
 * lease TTLs below its minimum (1.5 election timeouts, 2 s with default settings), so expiries below the minimum the
 * backend assumes ({@link #minimumLeaseTtl()}, configurable) are refused when a lock is configured, and a grant
 * longer than asked is logged once as a warning; the leader revokes expired leases every 500 ms. Leases are measured from when etcd grants them, after the request was sent, so the
 * lock never ends before the deadline the holder computes. Renewal is a keep-alive of the key's lease after checking
 * that the key still carries the owner token. A lock that never expires is a key without a lease.
 *
 * <p><b>No orphans.</b> Every new key is created bound to a lease. When the creating transaction errors or gets no
 * answer in time, that lease is revoked: a transaction that was applied (or is applied later) loses its key with the
 * lease, or is refused for want of it, so an abandoned attempt never leaves a key that could grant the lock to
 * nobody. A lock that never expires is created on such a lease and detached from it in a second, guarded
 * transaction.
 *
 * <p><b>Requests run twice.</b> jetcd never resends a transaction that may have been applied (it retries only errors
 * etcd raises before applying anything), but the core retries a failed attempt with the same owner token. A
 * create-if-absent txn that finds the key holding that owner acquires it, in the same txn: the key moves to this
 * attempt's lease (the lease of the earlier run may be under revocation) and keeps its create revision, which is
 * the token.
 *
 * <p><b>Leases are reused.</b> A lease left without a key, by an attempt that found the lock held or by a release,
 * is kept as a spare for the next attempt of this backend: reusing it costs a keep-alive, which etcd's leader
 * answers from memory, where a new lease and the revocation of the old one would be two Raft proposals. A spare
 * nobody reuses within 10 s is revoked, as are all spares on {@link #close()}. A spare has no key, so it cannot
 * grant a lock.
 *
 * <p><b>Waiting.</b> Waiters watch the key from the revision right after their failed attempt and wake on its
 * deletion (release or lease expiry). While the watch shows the key held, retries are answered from it (confirmed
 * by a read at most once a second) instead of re-sending the transaction. See {@code docs/etcd.md}.
 *
 * <p>Every request waits at most {@code requestTimeout} (default 5 s) for etcd's answer. Failures are thrown and
 * never reported as a lost lock: the renewal machinery retries until the lock would expire.
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

    private static final DeleteOption WITH_PREVIOUS = DeleteOption.builder().withPrevKV(true).build();

    private final Client client;

    private final boolean ownsClient;

    private final KV kv;

    private final EtcdRequests requests;

    private final EtcdLeases leases;

    private final long safetyLeaseSeconds;

    private final ReleaseWatches watches;

    private final Duration minimumLeaseTtl;

    private volatile boolean closed;

    /**
     * Creates the backend over the application's client, with the default request timeout. {@link #close()} leaves
     * the client open.
     * @param client the jetcd client
     */
    public EtcdBackend(Client client) {
        this(client, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Creates the backend over the application's client. {@link #close()} leaves the client open.
     * @param client the jetcd client
     * @param requestTimeout how long each etcd request may take before it counts as failed; positive
     * @throws LockConfigurationException if an argument is null or the timeout is not positive
     */
    public EtcdBackend(Client client, Duration requestTimeout) {
        this(client, requestTimeout, DEFAULT_MINIMUM_LEASE_TTL);
    }

    /**
     * Creates the backend over the application's client, for a cluster whose minimum lease TTL is not etcd's default.
     * {@link #close()} leaves the client open.
     * @param client the jetcd client
     * @param requestTimeout how long each etcd request may take before it counts as failed; positive
     * @param minimumLeaseTtl the cluster's minimum lease TTL: 1.5 times its election timeout, rounded up to whole
     *     seconds (2 s with etcd's defaults); shorter expiries are refused
     * @throws LockConfigurationException if an argument is null or a duration is not positive
     * @since 0.1.0
     */
    public EtcdBackend(Client client, Duration requestTimeout, Duration minimumLeaseTtl) {
        this(client, requestTimeout, minimumLeaseTtl, false);
    }

    private EtcdBackend(@Nullable Client client, @Nullable Duration requestTimeout,
            @Nullable Duration minimumLeaseTtl, boolean ownsClient) {
        if (client == null) {
            throw new LockConfigurationException("Backend etcd: 'client' must not be null");
        }
        requirePositive("requestTimeout", requestTimeout);
        requirePositive("minimumLeaseTtl", minimumLeaseTtl);
        this.client = client;
        this.ownsClient = ownsClient;
        this.minimumLeaseTtl = minimumLeaseTtl;
        this.kv = client.getKVClient();
        this.requests = new EtcdRequests(requestTimeout);
        this.leases = new EtcdLeases(client.getLeaseClient(), requests, minimumLeaseTtl);
        this.safetyLeaseSeconds = Math.max(MIN_SAFETY_LEASE_SECONDS, 2 * leaseSeconds(requestTimeout));
        this.watches = new ReleaseWatches(client.getWatchClient());
    }

    /**
     * Connects to etcd with a client of its own, which {@link #close()} closes.
     * @param endpoints the members' client URLs, e.g. {@code http://etcd-0:2379}; an element may itself be a
     *     comma-separated list
     * @return the backend
     * @throws LockConfigurationException if there is no endpoint or one is not an http(s) URL
     */
    public static EtcdBackend connect(String... endpoints) {
        return connect(Arrays.asList(Objects.requireNonNull(endpoints, "'endpoints' must not be null")));
    }

    /**
     * Connects to etcd with a client of its own and the default request timeout; {@link #close()} closes it.
     * @param endpoints the members' client URLs; an element may itself be a comma-separated list
     * @return the backend
     * @throws LockConfigurationException if there is no endpoint or one is not an http(s) URL
     */
    public static EtcdBackend connect(Collection<String> endpoints) {
        return connect(endpoints, DEFAULT_REQUEST_TIMEOUT);
    }

    /**
     * Connects to etcd with a client of its own; {@link #close()} closes it.
     * @param endpoints the members' client URLs; an element may itself be a comma-separated list
     * @param requestTimeout how long each etcd request may take before it counts as failed; positive
     * @return the backend
     * @throws LockConfigurationException if there is no endpoint, one is not an http(s) URL, or the timeout is not
     *     positive
     */
    public static EtcdBackend connect(Collection<String> endpoints, Duration requestTimeout) {
        return connect(endpoints, requestTimeout, DEFAULT_MINIMUM_LEASE_TTL);
    }

    /**
     * Connects to etcd with a client of its own, for a cluster whose minimum lease TTL is not etcd's default;
     * {@link #close()} closes the client.
     * @param endpoints the members' client URLs; an element may itself be a comma-separated list
     * @param requestTimeout how long each etcd request may take before it counts as failed; positive
     * @param minimumLeaseTtl the cluster's minimum lease TTL: 1.5 times its election timeout, rounded up to whole
     *     seconds (2 s with etcd's defaults); shorter expiries are refused
     * @return the backend
     * @throws LockConfigurationException if there is no endpoint, one is not an http(s) URL, or a duration is not
     *     positive
     * @since 0.1.0
     */
    public static EtcdBackend connect(Collection<String> endpoints, Duration requestTimeout,
            Duration minimumLeaseTtl) {
        List<URI> uris = EtcdEndpoints.parse(endpoints);
        requirePositive("requestTimeout", requestTimeout);
        requirePositive("minimumLeaseTtl", minimumLeaseTtl);
        Client client = Client.builder().endpoints(uris.toArray(URI[]::new)).build();
        try {
            return new EtcdBackend(client, requestTimeout, minimumLeaseTtl, true);
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
        ByteSequence k = bytes(key);
        KeyWatch waited = watches.heldAfterWait(key);
        if (waited != null) {
            AcquireResult stillHeld = stillHeld(k, key, owner, waited);
            if (stillHeld != null) {
                return stillHeld;
            }
        }
        EtcdLeases.Attempt lease = leases.forAttempt(expire == null ? safetyLeaseSeconds : leaseSeconds(expire), key);
        ByteSequence value = bytes(owner);
        PutOption onLease = PutOption.builder().withLeaseId(lease.id).build();
        TxnResponse created;
        try {
            // Else: the key may be ours, created by an earlier run of this acquisition whose answer never came (the
            // core retries with the same owner). Then it moves to this attempt's lease, which the caller's deadline
            // counts from; its create revision stays, and is the token.
            created = await(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(Op.put(k, value, onLease))
                    .Else(Op.txn(new Cmp[] {ownedBy(k, owner)}, new Op[] {Op.put(k, value,
                            PutOption.builder().withLeaseId(lease.id).withPrevKV().build())}, new Op[0]))
                    .commit(), "create-if-absent txn", key);
        }
        catch (RuntimeException ex) {
            // The txn may have been applied, or may be applied later: without its lease the key cannot outlive this.
            leases.abandon(lease, key);
            throw ex;
        }
        long revision = created.getHeader().getRevision();
        long token = created.isSucceeded() ? revision : ownCreateRevision(created, lease, key);
        if (token == 0) {
            leases.unused(lease);
            watches.observedHeld(key, revision);
            return AcquireResult.held(null, revision);
        }
        leases.confirm(lease, key);
        if (expire == null) {
            makePermanent(k, key, owner, revision, lease);
        }
        return AcquireResult.acquired(token);
    }

    /**
     * The create revision of our own key, which the failed create-if-absent txn moved to the attempt's lease; 0 if
     * the key is someone else's. The lease the key had before is revoked: it may still be under revocation by the
     * earlier attempt, and a key left on it would vanish with it.
     */
    private long ownCreateRevision(TxnResponse failed, EtcdLeases.Attempt lease, String key) {
        for (TxnResponse nested : failed.getTxnResponses()) {
            if (nested.isSucceeded()) {
                for (PutResponse put : nested.getPutResponses()) {
                    if (put.hasPrevKv()) {
                        long previousLease = put.getPrevKv().getLease();
                        if (previousLease != 0 && previousLease != lease.id) {
                            leases.revoke(previousLease, key);
                        }
                        return put.getPrevKv().getCreateRevision();
                    }
                }
            }
        }
        return 0;
    }

    /**
     * A retry right after a wait that saw no deletion: answered from the watch when it was confirmed within the
     * last second, otherwise by a read, which is cheaper for etcd than a failed transaction (no Raft proposal).
     * @return the held result, or {@code null} when the key may be free and the caller should try to create it
     */
    private @Nullable AcquireResult stillHeld(ByteSequence k, String key, String owner, KeyWatch watch) {
        long held = watch.heldRevision();
        ByteSequence value = bytes(owner);
        if (held > 0 && !watch.lastWrittenBy(value) && watch.confirmedSince(System.nanoTime())) {
            return AcquireResult.held(null, held);
        }
        GetResponse read = await(kv.get(k), "get", key);
        if (read.getKvs().isEmpty() || read.getKvs().get(0).getValue().equals(value)) {
            // Free, or ours from an earlier run of this acquisition: the txn decides.
            return null;
        }
        long revision = read.getHeader().getRevision();
        watch.observedHeld(revision);
        return AcquireResult.held(null, revision);
    }

    /** Detaches a never-expiring key, just written by this attempt at {@code modRevision}, from its lease. */
    private void makePermanent(ByteSequence k, String key, String owner, long modRevision,
            EtcdLeases.Attempt lease) {
        TxnResponse detached;
        try {
            detached = await(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(modRevision)),
                    ownedBy(k, owner)).Then(Op.put(k, bytes(owner), PutOption.DEFAULT)).commit(), "detach txn", key);
        }
        catch (RuntimeException ex) {
            leases.abandon(lease, key);
            throw ex;
        }
        if (!detached.isSucceeded()) {
            leases.abandon(lease, key);
            throw new EtcdRequestException("the new lock key '" + key + "' was changed or deleted by someone else"
                    + " before it could be made permanent", null);
        }
        leases.unused(lease);
    }

    @Override
    public boolean release(String key, String owner) {
        ByteSequence k = bytes(key);
        TxnResponse response = await(kv.txn().If(ownedBy(k, owner)).Then(Op.delete(k, WITH_PREVIOUS)).commit(),
                "release txn", key);
        if (!response.isSucceeded()) {
            return false;
        }
        for (DeleteResponse deleted : response.getDeleteResponses()) {
            for (KeyValue previous : deleted.getPrevKvs()) {
                if (previous.getLease() != 0) {
                    // Nothing is bound to it any more: the next attempt can reuse it.
                    leases.freed(previous.getLease());
                }
            }
        }
        return true;
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        ByteSequence k = bytes(key);
        GetResponse read = await(kv.get(k), "get", key);
        KeyValue current = read.getKvs().isEmpty() ? null : read.getKvs().get(0);
        if (current == null || !current.getValue().equals(bytes(owner))) {
            return false;
        }
        long lease = current.getLease();
        if (expire == null) {
            return lease == 0 || moveToLease(k, key, owner, current, 0);
        }
        long seconds = leaseSeconds(expire);
        if (lease != 0) {
            try {
                if (leases.keepAlive(lease, key) >= seconds) {
                    return true;
                }
            }
            catch (EtcdRequestException ex) {
                if (EtcdRequests.isLeaseNotFound(ex)) {
                    // The lease expired, and its key with it.
                    return false;
                }
                throw ex;
            }
        }
        return moveToLease(k, key, owner, current, leases.grant(seconds, key));
    }

    /** Rebinds the owner's key to another lease (0: none), guarded by its mod revision; revokes the lease left. */
    private boolean moveToLease(ByteSequence k, String key, String owner, KeyValue current, long lease) {
        TxnResponse moved;
        try {
            moved = await(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())),
                    ownedBy(k, owner)).Then(Op.put(k, bytes(owner), PutOption.builder().withLeaseId(lease).build()))
                    .commit(), "lease change txn", key);
        }
        catch (RuntimeException ex) {
            if (lease != 0) {
                leases.revoke(lease, key);
            }
            throw ex;
        }
        long unused = moved.isSucceeded() ? current.getLease() : lease;
        if (unused != 0) {
            leases.revoke(unused, key);
        }
        return moved.isSucceeded();
    }

    @Override
    public boolean isLocked(String key) {
        return await(kv.get(bytes(key), COUNT_ONLY), "get", key).getCount() > 0;
    }

    @Override
    public void awaitRelease(String key, long observedVersion, Duration maxWait) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("Backend etcd is closed");
        }
        watches.await(key, observedVersion, maxWait);
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

    /** Number of spare leases, for tests. */
    int spareLeases() {
        return leases.spareCount();
    }

    private <T> T await(CompletableFuture<T> request, String what, String key) {
        return requests.await(request, what, key);
    }

    private static Cmp ownedBy(ByteSequence k, String owner) {
        return new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(bytes(owner)));
    }

    private static long leaseSeconds(Duration expire) {
        return EtcdLeaseTtls.seconds(expire);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "EtcdBackend";
    }
}
