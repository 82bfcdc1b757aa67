package dev.sherlock;

import java.util.ArrayList;
import java.util.List;

import dev.sherlock.spi.HeldKey;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;

/**
 * The renewal calls of holds: one hold's, or, on a backend that {@linkplain LockBackend#renewsInBatches() renews in
 * batches}, several in one {@link LockBackend#renewAll} call. A renewal that a lane's thread takes brings along the
 * renewals of the same backend still waiting in the lane's queue (never one that is not yet due), so a burst of
 * renewals costs a few round trips, and a lone renewal is sent at once.
 */
final class RenewalBatch {

    /** Most renewals sent in one call. */
    static final int MAX = 64;

    private RenewalBatch() {
    }

    /**
     * {@code first} and the renewals of {@code backend} waiting in {@code lane}'s queue, which are taken out of it.
     */
    static List<Hold> withQueued(Hold first, LockBackend backend, Workers lane) {
        List<Runnable> queued = lane.takeQueued(task -> task instanceof Hold.RenewalTask other
                && other.hold().backend() == backend, MAX - 1);
        if (queued.isEmpty()) {
            return List.of(first);
        }
        List<Hold> batch = new ArrayList<>(queued.size() + 1);
        batch.add(first);
        queued.forEach(task -> batch.add(((Hold.RenewalTask) task).hold()));
        return batch;
    }

    /**
     * Renews the holds, one with {@link LockBackend#renew}, several in one {@link LockBackend#renewAll} call; each
     * takes its answer, or the call's failure, as from a renewal of its own. Losses are announced once every hold is
     * settled, so a listener that takes its time delays no other hold's renewal.
     */
    static void renew(LockBackend backend, List<Hold> candidates) {
        List<Runnable> later = new ArrayList<>(0);
        try {
            renew(backend, candidates, later);
        }
        finally {
            later.forEach(Runnable::run);
        }
    }

    private static void renew(LockBackend backend, List<Hold> candidates, List<Runnable> later) {
        List<Hold> holds = new ArrayList<>(candidates.size());
        for (Hold hold : candidates) {
            if (hold.startRenewal(later)) {
                holds.add(hold);
            }
        }
        if (holds.isEmpty()) {
            return;
        }
        List<LockObserver.Renewing> observed = new ArrayList<>(holds.size());
        List<HeldKey> keys = new ArrayList<>(holds.size());
        long renewSent = System.nanoTime();
        for (Hold hold : holds) {
            observed.add(hold.observation.renewStarted());
            keys.add(hold.heldKey());
        }
        List<Boolean> renewed;
        try {
            HeldKey only = keys.get(0);
            renewed = keys.size() == 1 ? List.of(backend.renew(only.key(), only.owner(), only.expire()))
                    : backend.renewAll(keys);
            if (renewed == null || renewed.size() != keys.size()) {
                throw new StoreException("backend " + backend.name() + " answered " + (renewed == null ? "nothing"
                        : renewed.size() + " times") + " to renewing " + keys.size() + " locks at once");
            }
        }
        catch (RuntimeException ex) {
            for (int i = 0; i < holds.size(); i++) {
                holds.get(i).renewalFailed(ex, observed.get(i), later);
            }
            return;
        }
        catch (Error ex) {
            for (int i = 0; i < holds.size(); i++) {
                holds.get(i).renewalBroke(ex, observed.get(i), later);
            }
            if (ex instanceof VirtualMachineError) {
                throw ex;
            }
            return;
        }
        for (int i = 0; i < holds.size(); i++) {
            holds.get(i).renewalAnswered(Boolean.TRUE.equals(renewed.get(i)), renewSent, observed.get(i), later);
        }
    }
}
