package dev.sherlock.spring.boot.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sherlock.LockConfigurationException;
import dev.sherlock.LockSettings;
import dev.sherlock.file.FileBackend;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.Assert;

/**
 * Configuration properties of Sherlock's locks, bound from {@code sherlock.*}.
 *
 * <p>The whole {@code sherlock.*} tree in one class, as Spring Boot's own properties classes keep theirs, so the
 * generated metadata and the code read alike; hence its length.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("sherlock")
public class SherlockProperties {

    /**
     * Backend that holds the locks.
     */
    private Backend backend = Backend.FILE;

    /**
     * Prefix of every lock name on the backend, so that applications sharing a backend do not share locks. None by
     * default.
     */
    private @Nullable String namespace;

    /**
     * How long a lock lives unless renewed, which bounds how long a crashed holder blocks others. 0 means locks never
     * expire: they stay until released, also when their process dies.
     */
    private Duration expire = Duration.ofSeconds(60);

    /**
     * How long acquiring a lock waits for its holder before giving up. 0 makes a single attempt.
     */
    private Duration timeout = Duration.ofSeconds(10);

    /**
     * Longest pause between two attempts while waiting for a lock. Backends that are notified of a release wake
     * waiters sooner.
     */
    private Duration retryInterval = Duration.ofMillis(100);

    /**
     * Whether held locks that expire are renewed automatically, at a third of their expiry, while their holder runs.
     */
    private boolean autoRenew = true;

    /**
     * Whether the auto-configured registry checks at startup that the backend accepts its connection (credentials,
     * certificates, permissions) with a few cheap requests that change no lock. A refusal fails startup; a backend
     * that cannot be reached only logs a warning.
     */
    private boolean checkAccess = true;

    private final File file = new File();

    private final Memcached memcached = new Memcached();

    private final Redis redis = new Redis();

    private final Etcd etcd = new Etcd();

    private final Kubernetes kubernetes = new Kubernetes();

    private final Observations observations = new Observations();

    private final Leader leader = new Leader();

    public Backend getBackend() {
        return this.backend;
    }

    public void setBackend(Backend backend) {
        Assert.notNull(backend, "'sherlock.backend' must not be null");
        this.backend = backend;
    }

    public @Nullable String getNamespace() {
        return this.namespace;
    }

    public void setNamespace(@Nullable String namespace) {
        Assert.isTrue(namespace == null || !namespace.isEmpty(),
                "'sherlock.namespace' must not be empty; remove it for none");
        this.namespace = namespace;
    }

    public Duration getExpire() {
        return this.expire;
    }

    public void setExpire(Duration expire) {
        Assert.notNull(expire, "'sherlock.expire' must not be null");
        Assert.isTrue(!expire.isNegative(),
                () -> "'sherlock.expire' must be 0 (never expires) or positive but was " + expire);
        if (!expire.isZero()) {
            withinCoreLimits("sherlock.expire", () -> LockSettings.defaults().withExpire(expire));
        }
        this.expire = expire;
    }

    public Duration getTimeout() {
        return this.timeout;
    }

    public boolean isCheckAccess() {
        return this.checkAccess;
    }

    public void setCheckAccess(boolean checkAccess) {
        this.checkAccess = checkAccess;
    }

    public void setTimeout(Duration timeout) {
        Assert.notNull(timeout, "'sherlock.timeout' must not be null");
        Assert.isTrue(!timeout.isNegative(), () -> "'sherlock.timeout' must be 0 or positive but was " + timeout);
        withinCoreLimits("sherlock.timeout", () -> LockSettings.defaults().withTimeout(timeout));
        this.timeout = timeout;
    }

    public Duration getRetryInterval() {
        return this.retryInterval;
    }

    public void setRetryInterval(Duration retryInterval) {
        Assert.notNull(retryInterval, "'sherlock.retry-interval' must not be null");
        Assert.isTrue(!retryInterval.isNegative() && !retryInterval.isZero(),
                () -> "'sherlock.retry-interval' must be positive but was " + retryInterval);
        withinCoreLimits("sherlock.retry-interval", () -> LockSettings.defaults().withRetryInterval(retryInterval));
        this.retryInterval = retryInterval;
    }

    public boolean isAutoRenew() {
        return this.autoRenew;
    }

    public void setAutoRenew(boolean autoRenew) {
        this.autoRenew = autoRenew;
    }

    public File getFile() {
        return this.file;
    }

    public Memcached getMemcached() {
        return this.memcached;
    }

    public Redis getRedis() {
        return this.redis;
    }

    public Etcd getEtcd() {
        return this.etcd;
    }

    public Kubernetes getKubernetes() {
        return this.kubernetes;
    }

    public Observations getObservations() {
        return this.observations;
    }

    public Leader getLeader() {
        return this.leader;
    }

    /** Applies the core's limits (e.g. the longest duration), so the properties accept what LockSettings does. */
    private static void withinCoreLimits(String property, Runnable check) {
        try {
            check.run();
        }
        catch (LockConfigurationException ex) {
            throw new IllegalArgumentException("'" + property + "' is out of range: " + ex.getMessage());
        }
    }

    /**
     * The lock settings these properties describe.
     * @return the settings; an {@code expire} of 0 becomes "never expires"
     * @throws LockConfigurationException if a value is out of range
     * @since 0.1.0
     */
    public LockSettings toLockSettings() {
        return new LockSettings(this.expire.isZero() ? null : this.expire, this.timeout, this.retryInterval,
                this.autoRenew);
    }

    /**
     * Backend that holds the locks.
     */
    public enum Backend {

        /**
         * Lock files in a directory: excludes the processes of one machine only. Needs nothing but the JDK.
         */
        FILE,

        /**
         * Redis through Spring Data Redis, reusing the application's RedisConnectionFactory (spring.data.redis.*).
         */
        REDIS,

        /**
         * Memcached through spymemcached, binary protocol. Eviction or a restart of the server loses locks.
         */
        MEMCACHED,

        /**
         * Etcd v3 through jetcd: keys bound to leases, waiting by watch.
         */
        ETCD,

        /**
         * Kubernetes coordination.k8s.io/v1 Lease objects through the official Java client.
         */
        KUBERNETES,

        /**
         * Locks in this JVM's memory, for tests: no server, but they exclude nothing outside this application.
         */
        MEMORY

    }

    /**
     * File backend properties.
     */
    public static class File {

        /**
         * Directory holding the lock files; every process sharing locks must use the same one. It must belong to the
         * user running the application and not be writable by group or others, unless shared-directory is set; a
         * missing one is created with mode 0700. Defaults to 'sherlock-<user>' in the java.io.tmpdir directory.
         */
        private Path directory = FileBackend.defaultDirectory();

        /**
         * Whether the directory is shared by the processes of several users: it may then belong to another user and
         * be writable by its group or others, but must be sticky (chmod +t), and it must exist already.
         */
        private boolean sharedDirectory;

        public Path getDirectory() {
            return this.directory;
        }

        public void setDirectory(Path directory) {
            Assert.notNull(directory, "'sherlock.file.directory' must not be null");
            this.directory = directory;
        }

        public boolean isSharedDirectory() {
            return this.sharedDirectory;
        }

        public void setSharedDirectory(boolean sharedDirectory) {
            this.sharedDirectory = sharedDirectory;
        }
    }

    /**
     * Memcached backend properties.
     */
    public static class Memcached {

        /**
         * Memcached servers, as host:port.
         */
        private List<String> servers = new ArrayList<>(List.of("localhost:11211"));

        /**
         * User for SASL authentication (PLAIN mechanism, binary protocol); none by default.
         */
        private @Nullable String username;

        /**
         * Password for SASL authentication.
         */
        private @Nullable String password;

        public List<String> getServers() {
            return this.servers;
        }

        public @Nullable String getUsername() {
            return this.username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return this.password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public void setServers(List<String> servers) {
            Assert.notEmpty(servers, "'sherlock.memcached.servers' must not be empty");
            this.servers = servers;
        }
    }

    /**
     * Redis backend properties; the connection is the application's (spring.data.redis.*).
     */
    public static class Redis {

        /**
         * Whether releases are published so that waiters wake at once; without it waiters poll at the retry
         * interval.
         */
        private boolean notifications = true;

        /**
         * Pub/sub channel on which releases are published.
         */
        private String channel = "sherlock:releases";

        /**
         * How long an unused lock's fencing counter is kept; 0 keeps it forever. Tokens keep increasing either way.
         */
        private Duration fencingRetention = Duration.ofDays(1);

        public boolean isNotifications() {
            return this.notifications;
        }

        public void setNotifications(boolean notifications) {
            this.notifications = notifications;
        }

        public String getChannel() {
            return this.channel;
        }

        public void setChannel(String channel) {
            Assert.hasText(channel, "'sherlock.redis.channel' must not be empty");
            this.channel = channel;
        }

        public Duration getFencingRetention() {
            return this.fencingRetention;
        }

        public void setFencingRetention(Duration fencingRetention) {
            Assert.isTrue(fencingRetention != null && !fencingRetention.isNegative(),
                    () -> "'sherlock.redis.fencing-retention' must be 0 or positive but was " + fencingRetention);
            this.fencingRetention = fencingRetention;
        }
    }

    /**
     * Etcd backend properties.
     */
    public static class Etcd {

        /**
         * Etcd endpoints, as URLs such as http://etcd-0:2379.
         */
        private List<String> endpoints = new ArrayList<>(List.of("http://localhost:2379"));

        /**
         * User to authenticate as, when the cluster has authentication enabled; it needs read and write permission
         * on the keys under 'sherlock/'.
         */
        private @Nullable String username;

        /**
         * Password of the user.
         */
        private @Nullable String password;

        /**
         * Authority (host name) expected in the members' certificates, when it differs from the endpoints' hosts.
         */
        private @Nullable String authority;

        private final Ssl ssl = new Ssl();

        public List<String> getEndpoints() {
            return this.endpoints;
        }

        public @Nullable String getUsername() {
            return this.username;
        }

        public void setUsername(@Nullable String username) {
            this.username = username;
        }

        public @Nullable String getPassword() {
            return this.password;
        }

        public void setPassword(@Nullable String password) {
            this.password = password;
        }

        public @Nullable String getAuthority() {
            return this.authority;
        }

        public void setAuthority(@Nullable String authority) {
            this.authority = authority;
        }

        public Ssl getSsl() {
            return this.ssl;
        }

        /**
         * TLS to the etcd members ({@code https://} endpoints).
         */
        public static class Ssl {

            /**
             * SSL bundle (spring.ssl.bundle.*) with the trust store for the members' CA and, for etcd's
             * --client-cert-auth, a key store with the client certificate; the bundle's options (ciphers,
             * protocols) and reloading are not applied. Without it, https:// endpoints are trusted by the JVM's
             * default trust store and no client certificate is sent.
             */
            private @Nullable String bundle;

            public @Nullable String getBundle() {
                return this.bundle;
            }

            public void setBundle(@Nullable String bundle) {
                this.bundle = bundle;
            }
        }

        /**
         * Longest wait for one etcd request; a renewal that times out is retried until the lock would expire.
         */
        private Duration requestTimeout = Duration.ofSeconds(5);

        public void setEndpoints(List<String> endpoints) {
            Assert.notEmpty(endpoints, "'sherlock.etcd.endpoints' must not be empty");
            this.endpoints = endpoints;
        }

        public Duration getRequestTimeout() {
            return this.requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            Assert.isTrue(requestTimeout != null && !requestTimeout.isNegative() && !requestTimeout.isZero(),
                    () -> "'sherlock.etcd.request-timeout' must be positive but was " + requestTimeout);
            this.requestTimeout = requestTimeout;
        }

        /**
         * The cluster's minimum lease TTL: 1.5 times its election timeout, rounded up to whole seconds (2s with
         * etcd's defaults). Shorter expiries are refused, as etcd would make such locks live longer than asked.
         */
        private Duration minimumLeaseTtl = Duration.ofSeconds(2);

        public Duration getMinimumLeaseTtl() {
            return this.minimumLeaseTtl;
        }

        public void setMinimumLeaseTtl(Duration minimumLeaseTtl) {
            Assert.isTrue(minimumLeaseTtl != null && !minimumLeaseTtl.isNegative() && !minimumLeaseTtl.isZero(),
                    () -> "'sherlock.etcd.minimum-lease-ttl' must be positive but was " + minimumLeaseTtl);
            this.minimumLeaseTtl = minimumLeaseTtl;
        }
    }

    /**
     * Kubernetes backend properties.
     */
    public static class Kubernetes {

        /**
         * Kubernetes namespace in which the Lease objects live. By default the pod's own (its service account's
         * namespace), or 'default' outside a cluster.
         */
        private @Nullable String namespace;

        public @Nullable String getNamespace() {
            return this.namespace;
        }

        public void setNamespace(@Nullable String namespace) {
            Assert.isTrue(namespace == null || !namespace.isBlank(),
                    "'sherlock.kubernetes.namespace' must not be empty; remove it for the pod's own namespace");
            this.namespace = namespace;
        }
    }

    /**
     * Metrics and traces of the locks.
     */
    public static class Observations {

        /**
         * Most distinct values of the 'sherlock.lock' tag on Sherlock's meters (lock names, or the name templates of
         * @DistributedLock methods); locks beyond it are tagged 'other'.
         */
        private int maxLockTags = 100;

        public int getMaxLockTags() {
            return this.maxLockTags;
        }

        public void setMaxLockTags(int maxLockTags) {
            Assert.isTrue(maxLockTags > 0, () -> "'sherlock.observations.max-lock-tags' must be positive, was "
                    + maxLockTags);
            this.maxLockTags = maxLockTags;
        }
    }

    /**
     * Leader election.
     */
    public static class Leader {

        /**
         * Whether this application takes part in the elections of the roles.
         */
        private boolean enabled = true;

        /**
         * Roles this application contends to lead, one leader per role among the applications sharing the backend
         * and namespace; each role is also the name of the lock behind it.
         */
        private List<String> roles = new ArrayList<>();

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public List<String> getRoles() {
            return this.roles;
        }

        public void setRoles(List<String> roles) {
            Assert.noNullElements(roles, "'sherlock.leader.roles' must not contain empty roles");
            this.roles = roles;
        }
    }
}
