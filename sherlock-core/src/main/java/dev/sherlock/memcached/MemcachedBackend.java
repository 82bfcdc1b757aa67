package dev.sherlock.memcached;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.FencingTokens;
import dev.sherlock.spi.HeldKey;
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
 * <p>A lock is one item holding the owner token, with the lock's expiry as its lifetime (rounded up to whole seconds
 * plus one). Acquire is {@code add}, then {@code incr} of the lock's fencing counter (created from the clock in
 * microseconds when missing), then a {@code gets} that must still find the item the {@code add} created. Release and
 * renew read the item with its CAS value and delete or rewrite it only if it holds our token, guarded by that CAS
 * value, so a holder whose lock expired and was taken over never touches the new holder's lock. The client must
 * therefore speak the binary protocol ({@link #createClient(String)} builds one). Keys keep py-sherlock's
 * {@code <namespace>_<name>} layout where memcached allows it. Why tokens strictly increase, what runs twice, and
 * what a restart, flush or eviction does: {@code docs/memcached.md}.
 *
 * <p>Thread-safe. The backend shuts the client down on {@link #close()} only if it created it (from
 * {@link Builder#servers(String) servers}). That client authenticates with SASL PLAIN when
 * {@link Builder#credentials(String, String) credentials} are given; spymemcached has no TLS, so they cross the
 * network in clear text. {@link #checkAccess(String)} finds a refused authentication at startup.
 *
 * <p>It passes 300 lines only with its nested builder, the shape every backend shares, and the Javadoc of the
 * startup check, whose work is in {@code MemcachedAccess}.
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

    /** Whether the client has a single server, so renewals may be pipelined in batches. */
    private final boolean oneServer;

    private final MemcachedCalls calls;

    private final boolean ownsClient;

    /** The SASL user of the client this backend created, or null: none, or the application's client. */
    private final @Nullable MemcachedCredentials credentials;

    private final Clock clock = Clock.systemUTC();

    private MemcachedBackend(MemcachedClient client, boolean ownsClient, @Nullable MemcachedCredentials credentials) {
        if (client == null) {
            throw new LockConfigurationException("Backend memcached: 'client' must not be null");
        }
        MemcachedClients.requireBinary(client);
        this.client = client;
        this.calls = new MemcachedCalls(client);
        // A client's servers are fixed when it is made; the locator's copy is costly, so it is asked once.
        this.oneServer = client.getNodeLocator().getAll().size() == 1;
        this.ownsClient = ownsClient;
        this.credentials = credentials;
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

    /**
     * Checks once, at startup, that every server accepts this backend, so that a wrong password or a missing one
     * fails the start instead of every lock later. spymemcached cannot tell a refused authentication from a server
     * that is down (it retries both in the background), so for a client the backend created the check asks each
     * server itself on a short-lived connection: it authenticates with the configured credentials, or reads a probe
     * key without them, all servers at once; connecting and the answer each take at most the client's operation
     * timeout (2.5 s by default). For an application's client it reads the probe key through that client, which
     * reaches the server holding that key. A server that answers busy or out of memory is no refusal.
     *
     * <p>A server that is down or does not answer in time does not fail the check: it is logged once at WARN, since
     * the application may start before its cache.
     * @throws LockConfigurationException if a server refuses: SASL authentication with the configured username and
     *     password failed, the server requires SASL authentication and none is configured, or credentials are set
     *     for a server without SASL; the message names the server and the user, never the password
     * @param namespace the namespace of the locks to be taken; not used, memcached has no permissions per key
     * @since 0.2.0
     */
    @Override
    public void checkAccess(@Nullable String namespace) {
        List<InetSocketAddress> servers = MemcachedClients.servers(client);
        if (ownsClient) {
            MemcachedAccess.checkServers(servers, credentials, (int) Math.min(Integer.MAX_VALUE,
                    Math.max(1, client.getOperationTimeout())));
        }
        else {
            MemcachedAccess.checkClient(client, servers);
        }
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
        return StoreException.guard("memcached", "acquire", key, () -> doTryAcquire(key, owner, expire));
    }

    private AcquireResult doTryAcquire(String key, String owner, @Nullable Duration expire) {
        int exptime = MemcachedExpiry.exptime(expire, clock.instant().getEpochSecond());
        OperationFuture<Boolean> add = client.add(key, exptime, owner, OwnerTranscoder.INSTANCE);
        Long created;
        if (calls.await(add, "add", key)) {
            created = add.getCas();
        }
        else {
            MemcachedCalls.requireStatus(add, "add", key, StatusCode.ERR_EXISTS, StatusCode.ERR_NOT_STORED);
            CASValue<String> holder = calls.await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
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
        long token = calls.await(incr, "incr", fenceKey);
        if (token <= 0) {
            OperationStatus status = incr.getStatus();
            throw new StoreException("memcached 'incr' of fencing counter '" + fenceKey + "' failed: "
                    + (status == null ? "no status" : status.getMessage() + " (" + status.getStatusCode() + ")")
                    + ". If it holds something other than a number, delete that key");
        }
        CASValue<String> item = calls.await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
        // The owner token alone identifies the item our add created; the CAS value confirms it.
        if (item != null && owner.equals(item.getValue()) && (created == null || item.getCas() == created)) {
            return AcquireResult.acquired(token);
        }
        // Our item is gone: it expired, was evicted or flushed before the acquisition completed.
        logger.warn("Backend memcached: lock key '{}' vanished while it was being acquired (expired, evicted or"
                + " flushed); not acquired", key);
        if (item != null && owner.equals(item.getValue())) {
            calls.await(client.delete(key, item.getCas()), "delete", key);
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
        return calls.await(restarted, "cas", key) == CASResponse.OK ? restarted : null;
    }

    /**
     * Deletes the item if it holds our owner token, guarded by its CAS value. Once a {@code gets} of this call has
     * found our item, the lock was still ours when the release was asked: if the item is then gone or someone
     * else's, it was deleted by our own delete sent twice or it expired after the release was asked, and either way
     * the release is done, not lost.
     */
    @Override
    public boolean release(String key, String owner) {
        return StoreException.guard("memcached", "release", key, () -> doRelease(key, owner));
    }

    private boolean doRelease(String key, String owner) {
        boolean seenOurs = false;
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            CASValue<String> item = calls.await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
            if (item == null || !owner.equals(item.getValue())) {
                return seenOurs;
            }
            seenOurs = true;
            OperationFuture<Boolean> delete = client.delete(key, item.getCas());
            if (calls.await(delete, "delete", key)) {
                return true;
            }
            if (MemcachedCalls.requireStatus(delete, "delete", key, StatusCode.ERR_EXISTS, StatusCode.ERR_NOT_FOUND)
                    == StatusCode.ERR_NOT_FOUND) {
                return true;
            }
            // A renewal of this hold changed the item between our gets and delete. Wait a random moment, so that a
            // renewal loop in step with ours cannot win every round.
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(CAS_PAUSE_NANOS << Math.min(attempt, 6)));
        }
        throw MemcachedCalls.casContention("delete", key, CAS_ATTEMPTS);
    }

    @Override
    public boolean renew(String key, String owner, @Nullable Duration expire) {
        return StoreException.guard("memcached", "renew", key, () -> doRenew(key, owner, expire));
    }

    private boolean doRenew(String key, String owner, @Nullable Duration expire) {
        int exptime = MemcachedExpiry.exptime(expire, clock.instant().getEpochSecond());
        CASValue<String> item = calls.await(client.asyncGets(key, OwnerTranscoder.INSTANCE), "gets", key);
        if (item == null || !owner.equals(item.getValue())) {
            return false;
        }
        CASResponse response = calls.await(
                client.asyncCAS(key, item.getCas(), exptime, owner, OwnerTranscoder.INSTANCE),
                "cas", key);
        return switch (response) {
            case OK -> true;
            case NOT_FOUND -> false;
            // Changed since the gets: if it is still ours, a renewal of this same hold sent after our gets won the
            // race and extended it at least as far as ours would have.
            case EXISTS -> owner.equals(calls.await(client.asyncGet(key, OwnerTranscoder.INSTANCE), "get", key));
            default -> throw new StoreException("memcached 'cas' of key '" + key + "' answered " + response);
        };
    }

    /**
     * {@code true} when the client has a single server: the batch's requests are pipelined on its one connection. With
     * several, a batch would wait for the slowest server, so each lock is renewed on its own.
     */
    @Override
    public boolean renewsInBatches() {
        return oneServer;
    }

    /**
     * Renews the locks with their requests in flight together (spymemcached pipelines them on its connection): every
     * {@code gets}, then every {@code cas}, each answered as {@link #renew} answers it.
     */
    @Override
    public List<Boolean> renewAll(List<HeldKey> held) {
        return StoreException.guard("memcached", "renew", held.size() + " keys ('" + held.get(0).key() + "', ...)",
                () -> doRenewAll(held));
    }

    private List<Boolean> doRenewAll(List<HeldKey> held) {
        int count = held.size();
        List<Future<CASValue<String>>> reads = new ArrayList<>(count);
        for (HeldKey lock : held) {
            reads.add(client.asyncGets(lock.key(), OwnerTranscoder.INSTANCE));
        }
        long now = clock.instant().getEpochSecond();
        Boolean[] answers = new Boolean[count];
        List<@Nullable Future<CASResponse>> writes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            HeldKey lock = held.get(i);
            CASValue<String> item = calls.await(reads.get(i), "gets", lock.key());
            Future<CASResponse> write = null;
            if (item == null || !lock.owner().equals(item.getValue())) {
                answers[i] = false;
            }
            else {
                write = client.asyncCAS(lock.key(), item.getCas(), MemcachedExpiry.exptime(lock.expire(), now),
                        lock.owner(), OwnerTranscoder.INSTANCE);
            }
            writes.add(write);
        }
        for (int i = 0; i < count; i++) {
            Future<CASResponse> write = writes.get(i);
            if (write != null) {
                HeldKey lock = held.get(i);
                CASResponse response = calls.await(write, "cas", lock.key());
                answers[i] = switch (response) {
                    case OK -> true;
                    case NOT_FOUND -> false;
                    // Changed since the gets: still ours only if a renewal of this same hold won the race.
                    case EXISTS -> lock.owner().equals(calls.await(client.asyncGet(lock.key(),
                            OwnerTranscoder.INSTANCE), "get", lock.key()));
                    default -> throw new StoreException("memcached 'cas' of key '" + lock.key() + "' answered "
                            + response);
                };
            }
        }
        return List.of(answers);
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
        return StoreException.guard("memcached", "isLocked", key, () -> doIsLocked(key));
    }

    private boolean doIsLocked(String key) {
        return calls.await(client.asyncGet(key, OwnerTranscoder.INSTANCE), "get", key) != null;
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

    @Override
    public String toString() {
        return "MemcachedBackend " + MemcachedClients.servers(client)
                + (credentials == null ? "" : " as " + credentials);
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

        private @Nullable MemcachedCredentials credentials;

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
         * Authenticates the backend's own client with SASL PLAIN (memcached started with {@code -S}) as this user,
         * on every connection. Only with {@link #servers(String) servers}: an application's client carries its own
         * authentication. The password appears in no message, log line or {@code toString()}; spymemcached has no
         * TLS, so it crosses the network in clear text. See {@link MemcachedBackend#checkAccess(String)} to find
         * a refused authentication at startup.
         * @param username the SASL user, not blank
         * @param password the user's password
         * @return this builder
         * @throws LockConfigurationException if the username is null or blank or the password is null
         * @since 0.2.0
         */
        public Builder credentials(String username, String password) {
            this.credentials = new MemcachedCredentials(username, password);
            return this;
        }

        /**
         * Creates the backend, connecting if servers were given.
         * @return the backend; close it on shutdown
         * @throws LockConfigurationException if neither or both of client and servers were given, credentials were
         *     given with a client, the server list is empty or malformed, or the client speaks the ASCII protocol
         */
        public MemcachedBackend build() {
            if ((client == null) == (servers == null)) {
                throw new LockConfigurationException("Backend memcached: give either 'client' or 'servers'"
                        + (client == null ? ", none was given" : ", not both"));
            }
            if (client != null && credentials != null) {
                throw new LockConfigurationException("Backend memcached: 'credentials' (" + credentials + ") apply"
                        + " only to the client the backend creates from 'servers'; the application's 'client'"
                        + " authenticates on its own. Give its ConnectionFactoryBuilder an AuthDescriptor, or give"
                        + " 'servers' instead of 'client'");
            }
            return client != null ? new MemcachedBackend(client, false, null)
                    : new MemcachedBackend(MemcachedClients.create(servers, credentials), true, credentials);
        }
    }
}
