package dev.sherlock.etcd;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sherlock.LockInterruptedException;
import dev.sherlock.spi.StoreException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import org.jspecify.annotations.Nullable;

/** Waits for jetcd's answers, at most the request timeout each, and turns failures into messages naming the key. */
final class EtcdRequests {

    private final Duration timeout;

    EtcdRequests(Duration timeout) {
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    <T> T await(CompletableFuture<T> request, String what, String key) {
        try {
            return request.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException ex) {
            request.cancel(false);
            throw new StoreException("etcd " + what + " on key '" + key + "' got no answer within " + timeout,
                    ex);
        }
        catch (ExecutionException ex) {
            Throwable cause = unwrap(ex);
            throw new StoreException("etcd " + what + " on key '" + key + "' failed: " + cause.getMessage(),
                    cause);
        }
        catch (InterruptedException ex) {
            request.cancel(false);
            Thread.currentThread().interrupt();
            throw new LockInterruptedException("Backend etcd: interrupted while waiting for the " + what + " on key '"
                    + key + "'", ex);
        }
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException
                || cause instanceof StoreException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Whether etcd answered that the lease does not exist (expired or revoked): jetcd reports it as an
     * {@code EtcdException} for lease calls and as a gRPC status for a transaction that puts a key on the lease.
     */
    static boolean isLeaseNotFound(@Nullable Throwable failure) {
        if (failure == null) {
            return false;
        }
        Throwable cause = unwrap(failure);
        if (cause instanceof EtcdException etcd) {
            return etcd.getErrorCode() == ErrorCode.NOT_FOUND;
        }
        // etcd's ErrGRPCLeaseNotFound, as gRPC's status text: "NOT_FOUND: etcdserver: requested lease not found".
        String message = cause.getMessage();
        return message != null && message.startsWith("NOT_FOUND") && message.endsWith("requested lease not found");
    }
}
