package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import org.jspecify.annotations.Nullable;

/**
 * The acquisitions of an {@link EtcdBackend}: the create-if-absent transaction on a lease of the attempt, the
 * answers a waiter's retry gets from its key watch, and the detaching of a never-expiring key from its lease.
 */
final class EtcdAcquisitions {

    private final KV kv;

    private final EtcdRequests requests;

    private final EtcdLeases leases;

    private final ReleaseWatches watches;

    /** The TTL of the lease a never-expiring key is created on, before it is detached. */
    private final long safetyLeaseSeconds;

    EtcdAcquisitions(KV kv, EtcdRequests requests, EtcdLeases leases, ReleaseWatches watches,
            long safetyLeaseSeconds) {
        this.kv = kv;
        this.requests = requests;
        this.leases = leases;
        this.watches = watches;
        this.safetyLeaseSeconds = safetyLeaseSeconds;
    }

    /** See {@link EtcdBackend#tryAcquire}. */
    AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        ByteSequence k = bytes(key);
        long ttl = expire == null ? safetyLeaseSeconds : EtcdLeaseTtls.seconds(expire);
        EtcdLeases.Attempt lease = leases.forAttempt(ttl, key);
        ByteSequence value = bytes(owner);
        PutOption onLease = PutOption.builder().withLeaseId(lease.id).build();
        TxnResponse created;
        long sent = System.nanoTime();
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
            return AcquireResult.acquired(token);
        }
        // A spare lease used as it is may end sooner than the expiry: say so, rather than pay a keep-alive here.
        long validNanos = lease.aliveUntil == 0 ? Long.MAX_VALUE : lease.aliveUntil - sent;
        return validNanos < expire.toNanos() ? AcquireResult.acquired(token, Duration.ofNanos(Math.max(0, validNanos)))
                : AcquireResult.acquired(token);
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
            throw new StoreException("the new lock key '" + key + "' was changed or deleted by someone else"
                    + " before it could be made permanent", null);
        }
        leases.unused(lease);
    }

    /** The comparison "the key holds this owner token". */
    static Cmp ownedBy(ByteSequence k, String owner) {
        return new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(bytes(owner)));
    }

    private <T> T await(CompletableFuture<T> request, String what, String key) {
        return requests.await(request, what, key);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
