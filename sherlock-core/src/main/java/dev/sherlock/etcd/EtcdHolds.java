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
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import org.jspecify.annotations.Nullable;

/**
 * Release and renewal of a held etcd lock, each guarded by the owner token: a delete in a transaction that first
 * compares the key's value, and a keep-alive of the key's lease after reading that the key is still ours (or a move
 * of the key to a new lease, guarded by its mod revision, when the lease cannot reach the expiry asked for).
 */
final class EtcdHolds {

    private static final DeleteOption WITH_PREVIOUS = DeleteOption.builder().withPrevKV(true).build();

    private final KV kv;

    private final EtcdRequests requests;

    private final EtcdLeases leases;

    EtcdHolds(KV kv, EtcdRequests requests, EtcdLeases leases) {
        this.kv = kv;
        this.requests = requests;
        this.leases = leases;
    }

    boolean release(String key, String owner) {
        ByteSequence k = bytes(key);
        TxnResponse response = requests.await(kv.txn().If(EtcdAcquisitions.ownedBy(k, owner))
                .Then(Op.delete(k, WITH_PREVIOUS)).commit(),
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
