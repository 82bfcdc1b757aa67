package dev.sherlock.memcached;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

import dev.sherlock.LockConfigurationException;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.FailureMode;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.MemcachedNode;
import net.spy.memcached.auth.AuthDescriptor;
import net.spy.memcached.auth.PlainCallbackHandler;
import net.spy.memcached.protocol.binary.BinaryMemcachedNodeImpl;
import org.jspecify.annotations.Nullable;

/** The spymemcached clients a {@link MemcachedBackend} creates or accepts. */
final class MemcachedClients {

    private MemcachedClients() {
    }

    /** See {@link MemcachedBackend#createClient(String)}. */
    static MemcachedClient create(String servers) {
        return create(servers, null);
    }

    /**
     * See {@link MemcachedBackend#createClient(String)}; with credentials, the client authenticates with SASL PLAIN
     * on every connection, in a background thread of spymemcached's.
     */
    static MemcachedClient create(String servers, @Nullable MemcachedCredentials credentials) {
        List<InetSocketAddress> addresses = addresses(servers);
        ConnectionFactoryBuilder factory = new ConnectionFactoryBuilder()
                .setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
                .setLocatorType(ConnectionFactoryBuilder.Locator.CONSISTENT)
                .setHashAlg(DefaultHashAlgorithm.KETAMA_HASH)
                .setFailureMode(FailureMode.Retry)
                .setDaemon(true);
        if (credentials != null) {
            factory.setAuthDescriptor(new AuthDescriptor(new String[] {"PLAIN"},
                    new PlainCallbackHandler(credentials.username(), credentials.password())));
        }
        try {
            return new MemcachedClient(factory.build(), addresses);
        }
        catch (IOException | RuntimeException ex) {
            // An unresolvable host name surfaces here as UnresolvedAddressException.
            throw new LockConfigurationException("Backend memcached: cannot create a client for 'servers' '" + servers
                    + "': " + ex + ". Check the host names and ports");
        }
    }

    private static List<InetSocketAddress> addresses(@Nullable String servers) {
        if (servers == null || servers.isBlank()) {
            throw new LockConfigurationException("Backend memcached: 'servers' must not be empty. Give host:port"
                    + " pairs separated by commas, e.g. cache1:11211,cache2:11211");
        }
        try {
            return AddrUtil.getAddresses(servers.trim());
        }
        catch (IllegalArgumentException ex) {
            throw new LockConfigurationException("Backend memcached: 'servers' '" + servers + "' is not a list of"
                    + " host:port pairs (" + ex.getMessage() + "). Use e.g. cache1:11211,cache2:11211");
        }
    }

    /** The addresses of the client's servers, in the locator's order. */
    static List<InetSocketAddress> servers(MemcachedClient client) {
        return client.getConnection().getLocator().getAll().stream()
                .map(node -> (InetSocketAddress) node.getSocketAddress()).toList();
    }

    static void requireBinary(MemcachedClient client) {
        for (MemcachedNode node : client.getConnection().getLocator().getAll()) {
            if (!(node instanceof BinaryMemcachedNodeImpl)) {
                throw new LockConfigurationException("Backend memcached: the MemcachedClient speaks the ASCII"
                        + " protocol, which cannot delete or renew a lock only if it is still ours. Build it with"
                        + " new BinaryConnectionFactory() or ConnectionFactoryBuilder.setProtocol(Protocol.BINARY),"
                        + " or use MemcachedBackend.createClient(servers)");
            }
        }
    }
}
