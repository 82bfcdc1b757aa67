package dev.sherlock.memcached;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockInterruptedException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.FencingTokens;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.spi.StoreException;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;
import net.spy.memcached.ops.OperationStatus;
import net.spy.memcached.ops.StatusCode;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks in memcached, through a spymemcached {@link MemcachedClient} speaking the <em>binary</em> protocol.
 *
 * <p><b>Operations.</b> A lock is one item: its key (see below) holds the owner token of the acquisition, with the
 * lock's expiry as the item's lifetime. Acquire is {@code add}, which only succeeds when no item exists. Release
 * reads the item with its CAS value ({@code gets}) and deletes it only if it holds our owner token, with a delete
 * guarded by that CAS value; renew rewrites the same value with a new lifetime, guarded the same way. If the item
 * changed between the two steps the CAS check fails and nothing is deleted or extended, so a holder whose lock
 * expired and was taken by another can never delete or extend the new holder's lock (py-sherlock 0.4.1 and ShedLock
 * read, compare and then delete or set unconditionally, and do exactly that). A CAS failure while the item still holds
 * our token (a concurrent renewal of the same hold) is retried. The client must therefore be built with a binary
 * connection factory ({@code new BinaryConnectionFactory()}, or {@link ConnectionFactoryBuilder} with
 * {@code Protocol.BINARY}), as {@link #createClient(String)} does: the ASCII protocol has no CAS-guarded delete.
 *
 * <p><b>Keys.</b> py-sherlock 0.4.1's layout, {@code <namespace>_<name>} (or {@code <name>}) with the owner token
 * as value, whenever that is a key of 1 to 250 printable ASCII characters not starting with {@code ~}, so Python
 * and Java services using the same names exclude each other. Other names (spaces, control characters, non-ASCII
 * text, too long) map to escaped or hashed keys starting with {@code ~}, which never equal a plain key. Values are
 * stored with flags {@code 0} (raw bytes), which pylibmc reads.
 *
 * <p><b>Expiry.</b> memcached counts whole seconds and may drop an item up to a second early, so lifetimes are
 * rounded up to whole seconds plus one: the lock lives at least {@code expire} from the request, and a crashed
 * holder blocks others for at most about two seconds longer. Expiries beyond 30 days are sent as absolute Unix
 * times, from this machine's clock; the latest expiry memcached can store is 2038-01-19T03:14:07Z and longer ones
 * are refused. No expiry is stored as {@code 0}, which memcached never expires.
 *
 * <p><b>Fencing tokens</b> come from a counter item per lock (key {@code ~f~<lock key>}), incremented with
 * memcached's atomic {@code incr} after the {@code add} succeeded, and created, when missing, at the current time
 * in microseconds since the epoch. Acquire is {@code add}, then {@code incr}, then {@code gets} of the lock item,
 * each step sent after the previous one answered; the acquisition only succeeds if that {@code gets} still finds
 * the item the {@code add} created (our owner token and the CAS value the {@code add} returned). Why tokens
 * strictly increase:
 * <ol>
 * <li>Items never come back once expired, evicted or deleted, and owner tokens are unique to an acquisition, so
 * no other item ever holds ours. So when the {@code gets} finds it, the item existed during the whole acquisition,
 * including the {@code incr}: the token was drawn while the lock was held by us.</li>
 * <li>Take two successful acquisitions A before B. B's {@code add} succeeded, so A's item was gone by then; A's item
 * still existed at A's {@code gets}, which came after A's {@code incr} answered. So A's {@code incr} happened before
 * B's {@code add}, which happened before B's {@code incr}; the counter only grows, so A's token is smaller. This
 * holds with several servers too (the counter may live on another server than the lock), since each step waits
 * for the previous one.</li>
 * <li>A late holder, whose item expired or was evicted between its {@code add} and its {@code gets}, does not find
 * its item and fails without a token. If it incremented the counter, numbers are only skipped.</li>
 * </ol>
 * Uncontended, acquire takes three round trips and release two; an attempt on a held lock takes two (the
 * {@code add}, and a {@code gets} that tells another holder from an earlier run of this same acquisition).
 *
 * <p><b>Requests run twice.</b> The core retries an attempt that failed (a timeout, a dropped connection) with the
 * same owner token, although the first may have been applied. An {@code add} that fails on an item holding our owner
 * token continues as if it had succeeded: the item's lifetime is restarted from this request with a CAS-guarded
 * update, then {@code incr} and {@code gets} as above, so the hold gets a new token, larger than every earlier one
 * (the first run's token, if it drew one, was never delivered). A release whose {@code gets} found our item has
 * released the lock even if the CAS-guarded {@code delete} then finds nothing: our own delete ran twice, or the
 * item expired after the release was asked. spymemcached itself does not resend an operation that may have been
 * applied: when a connection drops it cancels the operations in flight (only one it had not finished writing is
 * written again on the new connection).
 *
 * <p><b>Restart, flush and eviction.</b> memcached keeps nothing on disk. A restart or {@code flush_all} loses every
 * lock: other processes can acquire at once while the old holders still believe they hold until their next renewal
 * (every third of {@code expire}) finds the lock gone and signals the loss. Under memory pressure memcached may also
 * evict a lock before its expiry, with the same effect on that lock; run locks on an instance with enough memory, or
 * start memcached with {@code -M} so it refuses writes instead of evicting. Fencing tokens keep increasing across
 * these losses: a lost counter is recreated at the current time in microseconds, which is above every earlier token
 * as long as the clocks of the machines acquiring the lock agree to within the time since the counter was created
 * and there were fewer acquisitions than microseconds in that time. The new holder's token is then above the old
 * holder's, so a resource that checks tokens rejects the old holder. The key-to-server mapping must not change while
 * locks are held (a lock moved to another server is a lost lock). Clients created here use consistent hashing and
 * {@link FailureMode#Retry}: an operation for an unreachable server waits for it (up to the client's operation
 * timeout, then fails) instead of moving to another server, as spymemcached's default
 * {@link FailureMode#Redistribute} would do with several servers; give an application's client the same mode.
 * (CAS values start again after a restart, so a CAS-checked write queued across a restart could in theory match a
 * new item; spymemcached drops queued operations once their timeout has passed, which keeps that window short.)
 *
 * <p>Thread-safe. The backend closes the client on {@link #close()} only if it created the client itself
 * ({@link #connect(String)}).
 *
 * @see MemcachedLock
 * @since 0.1.0
 */
public final class MemcachedBackend implements LockBackend {

    private static final Logger logger = LoggerFactory.getLogger(MemcachedBackend.class);

    /** Bounds the retries when a CAS check fails while the item still holds our token. */
    private static final int CAS_ATTEMPTS = 32;

    /** The first bound of the random pause after a failed CAS check; it doubles with each attempt, up to 3.2 ms. */
    private static final long CAS_PAUSE_NANOS = 50_000;

    private final MemcachedClient client;

    private final boolean ownsClient;

    private final Clock clock = Clock.systemUTC();

    private MemcachedBackend(MemcachedClient client, boolean ownsClient) {
        if (client == null) {
            throw new LockConfigurationException("Backend memcached: 'client' must not be null");
        }
        MemcachedClients.requireBinary(client);
        this.client = client;
        this.ownsClient = ownsClient;
    }

    /**
     * Creates a backend on an application's client, which stays open when the backend is closed.
     * @param client a client built with a binary connection factory
     * @return the backend
     * @throws LockConfigurationException if the client is {@code null} or speaks the ASCII protocol
     */
    public static MemcachedBackend of(MemcachedClient client) {
        return builder().client(client).build();
    }

    /**
     * Starts configuring a backend: give it the application's client or the servers to connect to.
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Creates a spymemcached client suited to locks: binary protocol, consistent (Ketama) hashing,
     * {@link FailureMode#Retry}, so an operation for an unreachable server waits for it (up to the operation timeout,
     * 2.5 s by default) instead of going to another server, and daemon I/O threads. The caller shuts it down.
     * @param servers comma- or space-separated {@code host:port} pairs, e.g. {@code "cache1:11211,cache2:11211"}
     * @return a new client; connections are opened in the background
     * @throws LockConfigurationException if the list is empty or malformed
     */
    public static MemcachedClient createClient(String servers) {
        return MemcachedClients.create(servers);
    }

    /**
     * The client this backend talks through.
     * @return the client
     */
    public MemcachedClient client() {
        return client;
    }

    @Override
    public String name() {
        return "memcached";
    }

    @Override
    public String key(@Nullable String namespace, String name) {
        return MemcachedKeys.lockKey(namespace, name);
    }

    @Override
    public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
        int exptime = MemcachedExpiry.exptime(expire, clock.instant().getEpochSecond());
        OperationFuture<Boolean> add = client.add(key, exptime, owner, OwnerTranscoder.INSTANCE);
        Long created;
        if (await(add, "add", key)) {
            created = add.getCas();
        }
        else {
            requireStatus(add, "add", key, StatusCode.ERR_EXISTS, StatusCode.ERR_NOT_STORED);
            CASValue<String> holder = await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
            if (holder == null || !owner.equals(holder.getValue())) {
                // Someone else's; or gone since the add (released or expired just now): then try again at once.
                return AcquireResult.held(holder == null ? Duration.ZERO : null, 0);
            }
            OperationFuture<CASResponse> restarted = restart(key, holder, exptime);
            if (restarted == null) {
                return AcquireResult.held(Duration.ZERO, 0);
            }
            created = restarted.getCas();
        }
        String fenceKey = MemcachedKeys.fenceKey(key);
        OperationFuture<Long> incr = client.asyncIncr(fenceKey, 1L, FencingTokens.micros(clock), 0);
        long token = await(incr, "incr", fenceKey);
        if (token <= 0) {
            OperationStatus status = incr.getStatus();
            throw new StoreException("memcached 'incr' of fencing counter '" + fenceKey + "' failed: "
                    + (status == null ? "no status" : status.getMessage() + " (" + status.getStatusCode() + ")")
                    + ". If it holds something other than a number, delete that key");
        }
        CASValue<String> item = await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
        // The owner token alone identifies the item our add created; the CAS value confirms it.
        if (item != null && owner.equals(item.getValue()) && (created == null || item.getCas() == created)) {
            return AcquireResult.acquired(token);
        }
        // Our item is gone: it expired, was evicted or flushed before the acquisition completed.
        logger.warn("Backend memcached: lock key '{}' vanished while it was being acquired (expired, evicted or"
                + " flushed); not acquired", key);
        if (item != null && owner.equals(item.getValue())) {
            await(client.delete(key, item.getCas()), "delete", key);
        }
        return AcquireResult.held(null, 0);
    }

    /**
     * After a failed {@code add} that found our own item, created by an earlier run of this acquisition (the core
     * retries a failed attempt with the same owner): restarts its lifetime from this request, as the caller counts it,
     * guarded by its CAS value. Returns the successful update, whose CAS value identifies the item from now on, or
     * {@code null} if the item changed or went meanwhile.
     */
    private @Nullable OperationFuture<CASResponse> restart(String key, CASValue<String> own, int exptime) {
        OperationFuture<CASResponse> restarted = client.asyncCAS(key, own.getCas(), exptime, own.getValue(),
                OwnerTranscoder.INSTANCE);
        return await(restarted, "cas", key) == CASResponse.OK ? restarted : null;
    }

    /**
     * Deletes the item if it holds our owner token, guarded by its CAS value. Once a {@code gets} of this call has
     * found our item, the lock was still ours when the release was asked: if the item is then gone or someone
     * else's, it was deleted by our own delete sent twice or it expired after the release was asked, and either way
     * the release is done, not lost.
     */
    @Override
    public boolean release(String key, String owner) {
        boolean seenOurs = false;
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            CASValue<String> item = await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
            if (item == null || !owner.equals(item.getValue())) {
                return seenOurs;
            }
            seenOurs = true;
            OperationFuture<Boolean> delete = client.delete(key, item.getCas());
            if (await(delete, "delete", key)) {
                return true;
            }
            if (requireStatus(delete, "delete", key, StatusCode.ERR_EXISTS, StatusCode.ERR_NOT_FOUND)
                    == StatusCode.ERR_NOT_FOUND) {
                return true;
            }
            // A renewal of this hold changed the item between our gets and delete. Wait a random moment, so that a
            // renewal loop in step with ours cannot win every round.
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(CAS_PAUSE_NANOS << Math.min(attempt, 6)));
        }
        throw casContention("delete", key);
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        int exptime = MemcachedExpiry.exptime(expire, clock.instant().getEpochSecond());
        CASValue<String> item = await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
        if (item == null || !owner.equals(item.getValue())) {
            return false;
        }
        CASResponse response = await(client.asyncCAS(key, item.getCas(), exptime, owner, OwnerTranscoder.INSTANCE),
                "cas", key);
        return switch (response) {
            case OK -> true;
            case NOT_FOUND -> false;
            // Changed since the gets: if it is still ours, a renewal of this same hold sent after our gets won the
            // race and extended it at least as far as ours would have.
            case EXISTS -> owner.equals(await(client.asyncGet(key, OwnerTranscoder.INSTANCE), "get", key));
            default -> throw new StoreException("memcached 'cas' of key '" + key + "' answered " + response);
        };
    }

    /**
     * Refuses expiries below one second, which memcached cannot count, and expiries that would end after
     * 2038-01-19T03:14:07Z, the latest time it can store.
     */
    @Override
    public @Nullable String unsupportedExpire(Duration expire) {
        return MemcachedExpiry.unsupported(expire, clock.instant().getEpochSecond());
    }

    @Override
    public boolean isLocked(String key) {
        return await(client.asyncGet(key, OwnerTranscoder.INSTANCE), "get", key) != null;
    }

    /**
     * Shuts the client down if this backend created it, waiting up to the operation timeout for operations in flight;
     * an application's client stays open.
     */
    @Override
    public void close() {
        if (ownsClient) {
            client.shutdown(client.getOperationTimeout(), TimeUnit.MILLISECONDS);
        }
    }

    private <T> T await(Future<T> future, String operation, String key) {
        try {
            return future.get(client.getOperationTimeout(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new LockInterruptedException("Backend memcached: interrupted while waiting for '" + operation
                    + "' of key '" + key + "'", ex);
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
    }

    /** The status of a failed operation, if it is one of the expected outcomes; anything else is an error. */
    private static StatusCode requireStatus(OperationFuture<Boolean> future, String operation, String key,
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

    private static StoreException casContention(String operation, String key) {
        return new StoreException("memcached '" + operation + "' of key '" + key + "' kept failing its CAS"
                + " check after " + CAS_ATTEMPTS + " attempts while the lock was still ours");
    }

    @Override
    public String toString() {
        return "MemcachedBackend " + client.getConnection().getLocator().getAll().stream()
                .map(node -> String.valueOf(node.getSocketAddress())).toList();
    }

    /**
     * Configures a {@link MemcachedBackend}: either over the application's {@link #client(MemcachedClient) client},
     * which stays open when the backend is closed, or over a client of its own to the given {@link #servers(String)
     * servers} (see {@link MemcachedBackend#createClient(String)}), which the backend shuts down.
     *
     * @since 0.1.0
     */
    public static final class Builder {

        private @Nullable MemcachedClient client;

        private @Nullable String servers;

        private Builder() {
        }

        /**
         * Uses the application's client, built with a binary connection factory; closing the backend leaves it open.
         * @param client the client
         * @return this builder
         */
        public Builder client(MemcachedClient client) {
            this.client = client;
            return this;
        }

        /**
         * Connects with a client of the backend's own to these servers.
         * @param servers comma- or space-separated {@code host:port} pairs, e.g. {@code "cache1:11211,cache2:11211"}
         * @return this builder
         */
        public Builder servers(String servers) {
            this.servers = servers;
            return this;
        }

        /**
         * Creates the backend, connecting if servers were given.
         * @return the backend; close it on shutdown
         * @throws LockConfigurationException if neither or both of client and servers were given, the server list
         *     is empty or malformed, or the client speaks the ASCII protocol
         */
        public MemcachedBackend build() {
            if ((client == null) == (servers == null)) {
                throw new LockConfigurationException("Backend memcached: give either 'client' or 'servers'"
                        + (client == null ? ", none was given" : ", not both"));
            }
            return client != null ? new MemcachedBackend(client, false)
                    : new MemcachedBackend(createClient(servers), true);
        }
    }
}
