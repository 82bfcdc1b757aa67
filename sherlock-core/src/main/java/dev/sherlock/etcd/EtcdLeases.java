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

    /**
     * A spare whose remaining life is at least this share of its TTL is used as it is, without a keep-alive: the
     * acquisition reports the shorter validity, and renewal keeps the lock alive as usual.
     */
    private static final double REUSE_AS_IS = 0.9;

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

    /** How long the leases of held keys live, as far as this backend refreshed them, so a release can reuse them. */
    private final ConcurrentMap<Long, Lifetime> held = new ConcurrentHashMap<>();

    /** A lease's TTLs in seconds and a {@link System#nanoTime()} before which etcd keeps it alive. */
    private record Lifetime(long requestedTtl, long grantedTtl, long aliveUntil) {
    }

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

        /**
         * For a spare used as it is: before when etcd keeps it alive, which may be less than its TTL from the
         * attempt; 0 when the lease lives its whole TTL from the attempt on.
         */
        long aliveUntil;

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
            if (spare.requestedTtl() == ttl
                    && spare.aliveUntil() - now >= (long) (TimeUnit.SECONDS.toNanos(ttl) * REUSE_AS_IS)) {
                Attempt asIs = new Attempt(spare.id(), ttl, spare.grantedTtl(), spare.aliveUntil()
                        - TimeUnit.SECONDS.toNanos(spare.grantedTtl()), false);
                asIs.aliveUntil = spare.aliveUntil();
                return asIs;
            }
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
            held.put(attempt.id, new Lifetime(attempt.requestedTtl, attempt.grantedTtl, attempt.aliveUntil != 0
                    ? attempt.aliveUntil : attempt.refreshedAt + TimeUnit.SECONDS.toNanos(attempt.grantedTtl)));
            return;
        }
        try {
            long sent = System.nanoTime();
            long granted = keepAlive(attempt.id, key);
            held.put(attempt.id, new Lifetime(attempt.requestedTtl, granted, sent + TimeUnit.SECONDS.toNanos(granted)));
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
        held.remove(attempt.id);
        spares.give(new SpareLeases.Spare(attempt.id, attempt.requestedTtl, attempt.grantedTtl,
                attempt.refreshedAt + TimeUnit.SECONDS.toNanos(attempt.grantedTtl), System.nanoTime()));
    }

    /** The attempt failed with an error, and its txn may still be applied: revoking the lease voids it. */
    void abandon(Attempt attempt, String key) {
        revoke(attempt.id, key);
    }

    /**
     * A lease whose only key was just deleted by its holder: spare, with the lifetime this backend last gave it, or
     * with TTL and lifetime unknown when another client refreshed it.
     */
    void freed(long id) {
        Lifetime known = held.remove(id);
        spares.give(known == null ? new SpareLeases.Spare(id, 0, 0, 0, System.nanoTime())
                : new SpareLeases.Spare(id, known.requestedTtl, known.grantedTtl, known.aliveUntil, System.nanoTime()));
    }

    /**
     * A lease left to expire with its keys (a waiter's that lapsed): no longer tracked, never reused.
     */
    void forget(long id) {
        held.remove(id);
    }

    /**
     * Before when etcd keeps a lease with a key alive, as far as this backend refreshed it; 0 if unknown.
     */
    long aliveUntil(long id) {
        Lifetime lifetime = held.get(id);
        return lifetime == null ? 0 : lifetime.aliveUntil;
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
        long sent = System.nanoTime();
        long ttl = requests.await(client.keepAliveOnce(id), "lease keep-alive", key).getTTL();
        held.computeIfPresent(id, (lease, lifetime) -> new Lifetime(lifetime.requestedTtl, ttl,
                sent + TimeUnit.SECONDS.toNanos(ttl)));
        return ttl;
    }

    /** Sends a keep-alive of lease {@code id} without waiting; the future gives the lease's new TTL in seconds. */
    CompletableFuture<Long> keepAliveAsync(long id) {
        long sent = System.nanoTime();
        return client.keepAliveOnce(id).thenApply(response -> {
            long ttl = response.getTTL();
            held.computeIfPresent(id, (lease, lifetime) -> new Lifetime(lifetime.requestedTtl, ttl,
                    sent + TimeUnit.SECONDS.toNanos(ttl)));
            return ttl;
        });
    }

    void revoke(long id, String key) {
        held.remove(id);
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
