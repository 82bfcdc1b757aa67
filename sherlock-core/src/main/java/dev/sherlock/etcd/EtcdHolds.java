package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.StoreException;
import io.etcd.jetcd.ByteSequence;
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
import io.etcd.jetcd.options.PutOption;
import org.jspecify.annotations.Nullable;

/**
 * Release and renewal of a held etcd lock, each guarded by the owner token: a delete (or a hand-over to the waiter
 * longest in line) in a transaction that first compares the key's value, and a keep-alive of the key's lease after
 * reading that the key is still ours (or a move of the key to a new lease, guarded by its mod revision, when the lease
 * cannot reach the expiry asked for).
 */
final class EtcdHolds {

    private static final DeleteOption WITH_PREVIOUS = DeleteOption.builder().withPrevKV(true).build();

    private final KV kv;

    private final EtcdRequests requests;

    private final EtcdLeases leases;

    private final LineWaiters waiters;

    private final LineView line;

    EtcdHolds(KV kv, EtcdRequests requests, EtcdLeases leases, LineWaiters waiters, LineView line) {
        this.kv = kv;
        this.requests = requests;
        this.leases = leases;
        this.waiters = waiters;
        this.line = line;
    }

    /**
     * Releases the owner's lock: hands it to the waiter longest in line if the backend knows one (the key is written
     * with the waiter's owner token on its line lease, the hand-over record names the waiter, its entry goes), else
     * deletes it. If the key is not the owner's, takes the owner out of line instead.
     */
    boolean release(String key, String owner) {
        LineWaiters.Waiting waiting = waiters.leave(owner);
        try {
            return release(key, owner, waiting);
        }
        catch (RuntimeException ex) {
            if (waiting != null) {
                // Its entry may be left: it goes with the lease, which no later waiter may then inherit.
                leases.revoke(waiting.lease, key);
            }
            throw ex;
        }
    }

    private boolean release(String key, String owner, LineWaiters.@Nullable Waiting waiting) {
        LineView.Entry next = line.head(key, owner);
        if (next != null) {
            try {
                return released(handOver(key, owner, next, waiting), key, waiting);
            }
            catch (StoreException ex) {
                if (!EtcdRequests.isLeaseNotFound(ex)) {
                    throw ex;
                }
                // The waiter's lease expired a moment ago, its entry not yet deleted with it: nobody to hand it to.
            }
        }
        return released(requests.await(kv.txn().If(EtcdAcquisitions.ownedBy(bytes(key), owner))
                .Then(deletion(key)).Else(leaving(key, owner, waiting)).commit(), "release txn", key), key, waiting);
    }

    /**
     * One transaction: if the key is the owner's and the waiter's entry is as the view saw it, the key goes to the
     * waiter; else as a plain release.
     */
    private TxnResponse handOver(String key, String owner, LineView.Entry next,
            LineWaiters.@Nullable Waiting waiting) {
        ByteSequence k = bytes(key);
        ByteSequence waiter = bytes(next.owner());
        ByteSequence entry = bytes(EtcdKeys.lineEntry(key, next.owner()));
        Cmp owned = EtcdAcquisitions.ownedBy(k, owner);
        return requests.await(kv.txn()
                .If(owned, new Cmp(entry, Cmp.Op.EQUAL, CmpTarget.modRevision(next.modRevision())),
                        new Cmp(entry, Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.EMPTY)))
                .Then(Op.put(k, waiter, PutOption.builder().withLeaseId(next.lease()).withPrevKV().build()),
                        Op.put(bytes(EtcdKeys.handOverRecord(key)), waiter, PutOption.DEFAULT),
                        Op.delete(entry, DeleteOption.DEFAULT))
                .Else(Op.txn(new Cmp[] {owned}, deletion(key), leaving(key, owner, waiting)))
                .commit(), "hand-over txn", key);
    }

    /** Deletes the key and its hand-over record, which may name the releasing owner. */
    private static Op[] deletion(String key) {
        String record = EtcdKeys.handOverRecord(key);
        return record == null ? new Op[] {Op.delete(bytes(key), WITH_PREVIOUS)}
                : new Op[] {Op.delete(bytes(key), WITH_PREVIOUS), Op.delete(bytes(record), DeleteOption.DEFAULT)};
    }

    /**
     * Deletes the owner's line entry if it stands in line: a waiter that gives up leaves. (The entry of one whose
     * lease lapsed goes with its lease.)
     */
    private static Op[] leaving(String key, String owner, LineWaiters.@Nullable Waiting waiting) {
        String entry = waiting == null ? null : EtcdKeys.lineEntry(key, owner);
        return entry == null ? new Op[0] : new Op[] {Op.delete(bytes(entry), WITH_PREVIOUS)};
    }

    /**
     * Whether the release (or hand-over) happened; frees the lease the key was on, and the line lease of an owner
     * that was still in line.
     */
    private boolean released(TxnResponse response, String key, LineWaiters.@Nullable Waiting waiting) {
        TxnResponse applied = response;
        boolean handedOver = response.isSucceeded() && !response.getPutResponses().isEmpty();
        if (!handedOver) {
            // The plain branch is either the top level or the nested transaction of a hand-over that did not happen.
            for (TxnResponse nested : response.getTxnResponses()) {
                applied = nested;
            }
        }
        long lease = 0;
        if (handedOver) {
            PutResponse put = response.getPutResponses().get(0);
            lease = put.hasPrevKv() ? put.getPrevKv().getLease() : 0;
        }
        else if (applied.isSucceeded()) {
            for (DeleteResponse deleted : applied.getDeleteResponses()) {
                for (KeyValue previous : deleted.getPrevKvs()) {
                    if (previous.getKey().equals(bytes(key))) {
                        lease = previous.getLease();
                    }
                }
            }
        }
        if (lease != 0) {
            // Nothing is bound to it any more: the next attempt can reuse it.
            leases.freed(lease);
        }
        if (waiting != null && waiting.lease != lease && !applied.isSucceeded()) {
            // Its entry was deleted: the lease is free.
            leases.freed(waiting.lease);
        }
        return handedOver || applied.isSucceeded();
    }

    boolean renew(String key, String owner, @Nullable Duration expire) {
        ByteSequence k = bytes(key);
        GetResponse read = requests.await(kv.get(k), "get", key);
        KeyValue current = read.getKvs().isEmpty() ? null : read.getKvs().get(0);
        if (current == null || !current.getValue().equals(bytes(owner))) {
            return false;
        }
        long lease = current.getLease();
        if (expire == null) {
            return lease == 0 || moveToLease(k, key, owner, current, 0);
        }
        long seconds = EtcdLeaseTtls.seconds(expire);
        if (lease != 0) {
            try {
                if (leases.keepAlive(lease, key) >= seconds) {
                    return true;
                }
            }
            catch (StoreException ex) {
                if (EtcdRequests.isLeaseNotFound(ex)) {
                    // The lease expired, and its key with it.
                    return false;
                }
                throw ex;
            }
        }
        return moveToLease(k, key, owner, current, leases.grant(seconds, key));
    }

    /**
     * Renews many locks with their requests in flight together: first every key's read, then every keep-alive of a
     * lease that is theirs; a lock that needs more (no expiry, a lease of another TTL) is renewed as {@link #renew}
     * does, after the others.
     */
    List<Boolean> renewAll(List<HeldKey> held) {
        int count = held.size();
        List<CompletableFuture<GetResponse>> reads = new ArrayList<>(count);
        for (HeldKey lock : held) {
            reads.add(kv.get(bytes(lock.key())));
        }
        Boolean[] answers = new Boolean[count];
        List<@Nullable CompletableFuture<Long>> keepAlives = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            HeldKey lock = held.get(i);
            GetResponse read = requests.await(reads.get(i), "get", lock.key());
            KeyValue current = read.getKvs().isEmpty() ? null : read.getKvs().get(0);
            CompletableFuture<Long> keepAlive = null;
            if (current == null || !current.getValue().equals(bytes(lock.owner()))) {
                answers[i] = false;
            }
            else if (lock.expire() != null && current.getLease() != 0) {
                keepAlive = leases.keepAliveAsync(current.getLease());
            }
            keepAlives.add(keepAlive);
        }
        for (int i = 0; i < count; i++) {
            HeldKey lock = held.get(i);
            CompletableFuture<Long> keepAlive = keepAlives.get(i);
            if (answers[i] != null) {
                continue;
            }
            if (keepAlive != null) {
                try {
                    if (requests.await(keepAlive, "lease keep-alive", lock.key())
                            >= EtcdLeaseTtls.seconds(lock.expire())) {
                        answers[i] = true;
                        continue;
                    }
                }
                catch (StoreException ex) {
                    if (EtcdRequests.isLeaseNotFound(ex)) {
                        // The lease expired, and its key with it.
                        answers[i] = false;
                        continue;
                    }
                    throw ex;
                }
            }
            answers[i] = renew(lock.key(), lock.owner(), lock.expire());
        }
        return List.of(answers);
    }

    /** Rebinds the owner's key to another lease (0: none), guarded by its mod revision; revokes the lease left. */
    private boolean moveToLease(ByteSequence k, String key, String owner, KeyValue current, long lease) {
        TxnResponse moved;
        try {
            moved = requests.await(kv.txn()
                    .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(current.getModRevision())),
                            EtcdAcquisitions.ownedBy(k, owner))
                    .Then(Op.put(k, bytes(owner), PutOption.builder().withLeaseId(lease).build()))
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

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
