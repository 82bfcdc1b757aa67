package dev.sherlock.etcd;
import dev.sherlock.spi.StoreException;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leases lock keys are bound to: granted, reused from the {@link SpareLeases} pool, kept alive and revoked.
 * Revocations run in the background and are awaited on close.
 */
final class EtcdLeases implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(EtcdLeases.class);

    /** A spare is kept alive alongside the txn, not before it, only if etcd keeps it alive this much longer. */
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Spares of unknown lifetime are kept alive one by one before use; after this many, a new lease is granted. */
    private static final int MAX_STALE_TRIES = 2;

    private final Lease client;

    private final EtcdRequests requests;

    private final SpareLeases spares = new SpareLeases(id -> revoke(id, "(spare lease)"));

    private final Set<CompletableFuture<?>> revocations = ConcurrentHashMap.newKeySet();

    /** The TTL etcd granted for each requested TTL: it raises TTLs below its minimum. */
    private final ConcurrentMap<Long, Long> grantedTtls = new ConcurrentHashMap<>();

    /** The minimum lease TTL the backend assumes, for the warning when etcd's is longer. */
    private final Duration minimumTtl;

    private final AtomicBoolean warnedLongerGrant = new AtomicBoolean();

    EtcdLeases(Lease client, EtcdRequests requests, Duration minimumTtl) {
        this.client = client;
        this.requests = requests;
        this.minimumTtl = minimumTtl;
    }

    /** The lease of one acquisition attempt. */
    static final class Attempt {

        final long id;

        final long requestedTtl;

        long grantedTtl;

        /** When the lease was last granted or kept alive, as sent, in {@link System#nanoTime()}. */
        final long refreshedAt;

        /** Whether the lease must be kept alive once its key exists, because it was refreshed before the attempt. */
        boolean keepAliveWhenUsed;

        Attempt(long id, long requestedTtl, long grantedTtl, long refreshedAt, boolean keepAliveWhenUsed) {
            this.id = id;
            this.requestedTtl = requestedTtl;
            this.grantedTtl = grantedTtl;
            this.refreshedAt = refreshedAt;
            this.keepAliveWhenUsed = keepAliveWhenUsed;
        }
    }

    /**
     * A lease of {@code ttl} seconds for an attempt, alive for at least {@code ttl} seconds from now once
     * {@link #confirm} returns: a fresh new lease, a spare kept alive first, or a spare known to live well past the
     * txn, which only the winning attempt keeps alive, after its txn, so attempts that find the lock held cost etcd
     * one txn and nothing else.
     */
    Attempt forAttempt(long ttl, String key) {
        for (int tries = 0; tries < MAX_STALE_TRIES; tries++) {
            SpareLeases.Spare spare = spares.take(ttl);
            if (spare == null) {
                break;
            }
            long now = System.nanoTime();
            if (spare.requestedTtl() == ttl && spare.aliveUntil() - now > FRESH_NANOS) {
                return new Attempt(spare.id(), ttl, spare.grantedTtl(), spare.aliveUntil()
                        - TimeUnit.SECONDS.toNanos(spare.grantedTtl()), true);
            }
            Attempt reused = keepAliveFirst(spare, ttl, key, now);
            if (reused != null) {
                return reused;
            }
        }
        long sent = System.nanoTime();
        LeaseGrantResponse granted = granted(requests.await(client.grant(ttl), "lease grant", key), ttl, key);
        return new Attempt(granted.getID(), ttl, granted.getTTL(), sent, false);
    }

    private @Nullable Attempt keepAliveFirst(SpareLeases.Spare spare, long ttl, String key, long sent) {
        LeaseKeepAliveResponse alive;
        try {
            alive = requests.await(client.keepAliveOnce(spare.id()), "lease keep-alive", key);
        }
        catch (StoreException ex) {
            if (EtcdRequests.isLeaseNotFound(ex)) {
                return null;
            }
            revoke(spare.id(), key);
            throw ex;
        }
        Long granted = grantedTtls.get(ttl);
        if (spare.requestedTtl() == ttl || granted != null && granted == alive.getTTL()) {
            return new Attempt(spare.id(), ttl, alive.getTTL(), sent, false);
        }
        // A lease of another TTL would make the lock live longer or shorter than asked.
        revoke(spare.id(), key);
        return null;
    }

    /**
     * The attempt's txn created the key. A spare lease refreshed before the attempt is kept alive now, so the lock
     * lives at least its expiry from when the attempt began; if that fails, the lock is given up with the lease (its
     * holder would count on a deadline etcd might not keep) and the failure is thrown.
     */
    void confirm(Attempt attempt, String key) {
        if (!attempt.keepAliveWhenUsed) {
            return;
        }
        try {
            long granted = keepAlive(attempt.id, key);
            if (granted < attempt.requestedTtl) {
                throw new StoreException("etcd kept lease " + attempt.id + " of key '" + key + "' alive for "
                        + granted + " s instead of " + attempt.requestedTtl + " s", null);
            }
            attempt.grantedTtl = granted;
            attempt.keepAliveWhenUsed = false;
        }
        catch (RuntimeException ex) {
            revoke(attempt.id, key);
            throw ex;
        }
    }

    /** The attempt's lease has no key (the txn found the lock held, or the key was detached): keeps it spare. */
    void unused(Attempt attempt) {
        spares.give(new SpareLeases.Spare(attempt.id, attempt.requestedTtl, attempt.grantedTtl,
                attempt.refreshedAt + TimeUnit.SECONDS.toNanos(attempt.grantedTtl), System.nanoTime()));
    }

    /** The attempt failed with an error, and its txn may still be applied: revoking the lease voids it. */
    void abandon(Attempt attempt, String key) {
        revoke(attempt.id, key);
    }

    /** A lease whose only key was just deleted by its holder: spare, with TTL and lifetime unknown. */
    void freed(long id) {
        spares.give(new SpareLeases.Spare(id, 0, 0, 0, System.nanoTime()));
    }

    long grant(long ttl, String key) {
        return granted(requests.await(client.grant(ttl), "lease grant", key), ttl, key).getID();
    }

    /**
     * Records the TTL etcd granted for a requested one. A longer grant means the cluster's minimum lease TTL is above
     * the one the backend assumes, so expiries between the two are accepted but outlived: said once, as a warning.
     */
    private LeaseGrantResponse granted(LeaseGrantResponse granted, long ttl, String key) {
        grantedTtls.put(ttl, granted.getTTL());
        if (granted.getTTL() > ttl && warnedLongerGrant.compareAndSet(false, true)) {
            logger.warn("Backend etcd: etcd granted lease {} of key '{}' for {} s where {} s was asked: the cluster's"
                    + " minimum lease TTL is above the {} this backend assumes, so locks with shorter expiries live"
                    + " longer than asked and a crashed holder blocks others longer. Configure the backend's"
                    + " minimumLeaseTtl as {}s", granted.getID(), key, granted.getTTL(), ttl,
                    EtcdLeaseTtls.text(minimumTtl), granted.getTTL());
        }
        return granted;
    }

    /** Keeps the lease alive once; returns its granted TTL. */
    long keepAlive(long id, String key) {
        return requests.await(client.keepAliveOnce(id), "lease keep-alive", key).getTTL();
    }

    void revoke(long id, String key) {
        CompletableFuture<?> revocation = client.revoke(id);
        revocations.add(revocation);
        revocation.whenComplete((response, failure) -> {
            revocations.remove(revocation);
            if (failure != null && !EtcdRequests.isLeaseNotFound(failure)) {
                logger.debug("Backend etcd: could not revoke lease {} of key '{}'; it expires on its own", id, key,
                        failure);
            }
        });
    }

    int spareCount() {
        return spares.size();
    }

    /** Revokes the spares and waits up to the request timeout for revocations under way. */
    @Override
    public void close() {
        spares.close();
        try {
            CompletableFuture.allOf(revocations.toArray(CompletableFuture[]::new))
                    .get(requests.timeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (ExecutionException | TimeoutException | CancellationException ex) {
            // Leases left behind have no key bound to them and expire on their own.
            logger.debug("Backend etcd: some lease revocations did not finish before close", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
