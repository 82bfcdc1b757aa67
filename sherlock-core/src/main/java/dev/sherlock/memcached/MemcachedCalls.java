package dev.sherlock.memcached;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sherlock.spi.StoreException;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;
import net.spy.memcached.ops.OperationStatus;
import net.spy.memcached.ops.StatusCode;

/**
 * Waits for spymemcached's futures within the client's operation timeout and describes every failure once, as the
 * backend's {@link StoreException}: the operation, the key and what the client or server said.
 */
final class MemcachedCalls {

    private final MemcachedClient client;

    MemcachedCalls(MemcachedClient client) {
        this.client = client;
    }

    /**
     * Waits for the answer of a request already sent. An interrupt does not abandon it (the request may be applied
     * whatever we do, and the caller must know its outcome): the wait goes on, and the thread's interrupt status is
     * set again afterwards, for the caller to act on.
     */
    <T> T await(Future<T> future, String operation, String key) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(client.getOperationTimeout());
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (InterruptedException ex) {
                    interrupted = true;
                }
            }
        }
        catch (ExecutionException ex) {
            Throwable cause = ex.getCause() == null ? ex : ex.getCause();
            throw new StoreException("memcached '" + operation + "' of key '" + key + "' failed: " + cause,
                    cause);
        }
        catch (CancellationException ex) {
            throw new StoreException("memcached '" + operation + "' of key '" + key + "' was cancelled: "
                    + ex.getMessage(), ex);
        }
        catch (TimeoutException ex) {
            future.cancel(true);
            throw new StoreException("memcached '" + operation + "' of key '" + key + "' timed out after "
                    + client.getOperationTimeout() + " ms: " + ex.getMessage(), ex);
        }
        finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The status of a failed operation, if it is one of the expected outcomes; anything else is an error. */
    static StatusCode requireStatus(OperationFuture<Boolean> future, String operation, String key,
            StatusCode... expected) {
        OperationStatus status = future.getStatus();
        StatusCode code = status == null ? null : status.getStatusCode();
        for (StatusCode candidate : expected) {
            if (candidate == code) {
                return code;
            }
        }
        throw new StoreException("memcached '" + operation + "' of key '" + key + "' failed: "
                + (status == null ? "no status" : status.getMessage() + " (" + code + ")"));
    }

    static StoreException casContention(String operation, String key, int attempts) {
        return new StoreException("memcached '" + operation + "' of key '" + key + "' kept failing its CAS"
                + " check after " + attempts + " attempts while the lock was still ours");
    }
}
