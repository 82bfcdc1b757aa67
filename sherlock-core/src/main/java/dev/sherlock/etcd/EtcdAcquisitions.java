package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.StoreException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
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
 * The acquisitions of an {@link EtcdBackend}: the create-if-absent transaction on a lease of the attempt, which
 * puts a waiting caller that fails in line, and the detaching of a never-expiring key from its lease.
 */
final class EtcdAcquisitions {

    private final KV kv;

    private final EtcdRequests requests;

    private final EtcdLeases leases;

    private final ReleaseWatches watches;

    private final LineWaiters waiters;

    private final LineView line;

    /** The TTL of the lease a never-expiring key is created on, before it is detached. */
    private final long safetyLeaseSeconds;

    EtcdAcquisitions(KV kv, EtcdRequests requests, EtcdLeases leases, ReleaseWatches watches, LineWaiters waiters,
            LineView line, long safetyLeaseSeconds) {
        this.kv = kv;
        this.requests = requests;
        this.leases = leases;
        this.watches = watches;
        this.waiters = waiters;
        this.line = line;
        this.safetyLeaseSeconds = safetyLeaseSeconds;
    }

    /**
     * See {@link EtcdBackend#tryAcquire}.
     * @param nextAttemptWithin when the caller tries again if this attempt fails, if it will wait; {@code null} if not
     */
    AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire,
            @Nullable Duration nextAttemptWithin) {
        ByteSequence k = bytes(key);
        // Whoever may hold the lock follows the lines of its namespace, to hand it over on release.
        line.follow(key);
        long ttl = expire == null ? safetyLeaseSeconds : EtcdLeaseTtls.seconds(expire);
        String record = EtcdKeys.handOverRecord(key);
        LineWaiters.Waiting waiting = waiters.get(owner);
        String entry = EtcdKeys.lineEntry(key, owner);
        // A caller that will wait stands in line if the lock is known to be contended (somebody here waited for it
        // lately, or others stand in line): an uncontended attempt takes no line lease.
        boolean joins = entry != null && expire != null && nextAttemptWithin != null
                && (waiting != null || watches.contended(key) || line.hasWaiters(key));
        EtcdLeases.Attempt lease = leases.forAttempt(ttl, key);
        EtcdLeases.Attempt lineLease = null;
        TxnResponse created;
        long sent = System.nanoTime();
        try {
            if (joins && waiting == null) {
                lineLease = leases.forAttempt(waiters.ttlSeconds, key);
            }
            long entryLease = !joins ? 0 : waiting != null ? waiting.lease : lineLease.id;
            ByteSequence value = bytes(owner);
            PutOption onLease = PutOption.builder().withLeaseId(lease.id).build();
            List<Op> create = new ArrayList<>(3);
            create.add(Op.put(k, value, onLease));
            List<Op> own = new ArrayList<>(3);
            own.add(Op.put(k, value, PutOption.builder().withLeaseId(lease.id).withPrevKV().build()));
            if (record != null) {
                // A hand-over record of an earlier holder would give this owner's retry a wrong token.
                create.add(Op.delete(bytes(record), DeleteOption.DEFAULT));
                own.add(Op.get(bytes(record), GetOption.DEFAULT));
            }
            if (waiting != null) {
                create.add(Op.delete(bytes(entry), DeleteOption.DEFAULT));
                own.add(Op.delete(bytes(entry), DeleteOption.DEFAULT));
            }
            Op[] join = entryLease == 0 ? new Op[0]
                    : new Op[] {Op.put(bytes(entry), ByteSequence.EMPTY,
                            PutOption.builder().withLeaseId(entryLease).build())};
            // Else: the key may be ours, created by an earlier run of this acquisition whose answer never came (the
            // core retries with the same owner), or handed to us by a release. Then it moves to this attempt's lease,
            // which the caller's deadline counts from; its token stays. Else the owner stands in line.
            created = await(kv.txn().If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                    .Then(create.toArray(Op[]::new))
                    .Else(Op.txn(new Cmp[] {ownedBy(k, owner)}, own.toArray(Op[]::new), join))
                    .commit(), "create-if-absent txn", key);
        }
        catch (RuntimeException ex) {
            // The txn may have been applied, or may be applied later: without its lease the key cannot outlive this.
            leases.abandon(lease, key);
            if (lineLease != null) {
                leases.abandon(lineLease, key);
            }
            if (waiting != null) {
                boolean left = waiters.leave(owner, waiting);
                if (joins && EtcdRequests.isLeaseNotFound(ex)) {
                    // Its line lease expired (a long pause): etcd refused the whole txn, so it was applied nowhere.
                    // Once more, in line anew.
                    leases.forget(waiting.lease);
                    return tryAcquire(key, owner, expire, nextAttemptWithin);
                }
                if (left) {
                    // The txn may yet put the entry on the line lease: revoked, so no later owner of that lease
                    // (once spare) is made to keep this owner's entry, or a lock handed to it, alive.
                    leases.revoke(waiting.lease, key);
                }
            }
            throw ex;
        }
        long revision = created.getHeader().getRevision();
        long token = created.isSucceeded() ? revision : ownToken(created, lease, owner, key);
        if (token == 0) {
            leases.unused(lease);
            watches.observedHeld(key, revision);
            if (!joins) {
                return AcquireResult.held(null, revision);
            }
            if (lineLease != null) {
                leases.confirm(lineLease, key);
                waiters.joined(owner, key, lineLease.id, sent, nextAttemptWithin.toNanos());
            }
            else {
                waiters.attempted(waiting, sent, nextAttemptWithin.toNanos());
            }
            return AcquireResult.inLine(null, revision);
        }
        if (lineLease != null) {
            leases.unused(lineLease);
        }
        if (waiting != null && waiters.leave(owner, waiting) && previousLease(created) != waiting.lease) {
            // Its entry was deleted with the acquisition; a key handed to it on that lease was moved off and the
            // lease revoked.
            leases.freed(waiting.lease);
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
     * The token of our own key, which the failed create-if-absent txn moved to the attempt's lease: the revision of
     * the release that handed it to us if the hand-over record names us, else its create revision; 0 if the key is
     * someone else's. The lease the key had before is revoked: it may still be under revocation by the earlier
     * attempt, or be our line lease, and a key left on it would vanish with it.
     */
    private long ownToken(TxnResponse failed, EtcdLeases.Attempt lease, String owner, String key) {
        for (TxnResponse nested : failed.getTxnResponses()) {
            if (!nested.isSucceeded()) {
                continue;
            }
            for (GetResponse record : nested.getGetResponses()) {
                for (KeyValue handed : record.getKvs()) {
                    if (handed.getValue().equals(bytes(owner))) {
                        revokePrevious(nested, lease, key);
                        return handed.getModRevision();
                    }
                }
            }
            return revokePrevious(nested, lease, key);
        }
        return 0;
    }

    /** The lease our key was on before a failed create-if-absent txn moved it; 0 if none. */
    private static long previousLease(TxnResponse response) {
        for (TxnResponse nested : response.getTxnResponses()) {
            for (PutResponse put : nested.getPutResponses()) {
                if (put.hasPrevKv()) {
                    return put.getPrevKv().getLease();
                }
            }
        }
        return 0;
    }

    /** Revokes the lease our key was on before this attempt moved it; returns the key's create revision. */
    private long revokePrevious(TxnResponse moved, EtcdLeases.Attempt lease, String key) {
        for (PutResponse put : moved.getPutResponses()) {
            if (put.hasPrevKv()) {
                long previousLease = put.getPrevKv().getLease();
                if (previousLease != 0 && previousLease != lease.id) {
                    leases.revoke(previousLease, key);
                }
                return put.getPrevKv().getCreateRevision();
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
