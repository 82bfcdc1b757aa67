package dev.sherlock.etcd;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import dev.sherlock.LockConfigurationException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a backend's own client reaches the cluster: the members, the user and password, TLS. The password is only ever
 * handed to jetcd; nothing here prints it.
 */
final class EtcdConnection {

    private static final Logger logger = LoggerFactory.getLogger(EtcdConnection.class);

    private final List<URI> endpoints;

    private final @Nullable String user;

    private final @Nullable String password;

    private final boolean tls;

    private final @Nullable TrustManagerFactory trustManagers;

    private final @Nullable KeyManagerFactory keyManagers;

    private final @Nullable String authority;

    /**
     * @throws LockConfigurationException if the endpoints mix http and https, TLS is configured for http endpoints,
     *     or the user is blank
     */
    EtcdConnection(List<URI> endpoints, @Nullable String user, @Nullable String password, boolean tlsConfigured,
            @Nullable TrustManagerFactory trustManagers, @Nullable KeyManagerFactory keyManagers,
            @Nullable String authority) {
        long secure = endpoints.stream().filter(EtcdConnection::isHttps).count();
        if (secure != 0 && secure != endpoints.size()) {
            throw new LockConfigurationException("Backend etcd: 'endpoints' " + describe(endpoints) + " mix http://"
                    + " and https://; a client speaks TLS to every member or to none");
        }
        if (tlsConfigured && secure == 0) {
            throw new LockConfigurationException("Backend etcd: TLS is configured but 'endpoints' "
                    + describe(endpoints) + " are plain http://, so it would not be used. Use https:// URLs");
        }
        if (user != null && user.isBlank()) {
            throw new LockConfigurationException("Backend etcd: 'username' must not be blank when a password is"
                    + " given");
        }
        if ((user == null) != (password == null)) {
            throw new LockConfigurationException("Backend etcd: give both 'username' and 'password', or neither;"
                    + " only the " + (user == null ? "password" : "username") + " was given");
        }
        if (authority != null && authority.isBlank()) {
            throw new LockConfigurationException("Backend etcd: 'authority' must not be blank; leave it unset to"
                    + " use each endpoint's host");
        }
        this.endpoints = List.copyOf(endpoints);
        this.user = user;
        this.password = password;
        this.tls = secure != 0;
        this.trustManagers = trustManagers;
        this.keyManagers = keyManagers;
        this.authority = authority;
        if (user != null && !tls) {
            endpoints.stream().filter(uri -> !isLoopback(uri)).findFirst().ifPresent(uri -> logger.warn("Backend"
                    + " etcd: the password of user '{}' is sent unencrypted to {}, which is not this host. Use"
                    + " https:// endpoints (TLS)", user, uri));
        }
    }

    /**
     * A new client.
     * @param waitForReady whether requests wait for a connection until their deadline (the backend's client) or
     *     fail at once with the connection's error (the access check, which reports that error)
     */
    Client connect(boolean waitForReady) {
        ClientBuilder builder = Client.builder().endpoints(endpoints.toArray(URI[]::new)).waitForReady(waitForReady);
        if (user != null && password != null) {
            builder.user(bytes(user)).password(bytes(password));
        }
        if (authority != null) {
            builder.authority(authority);
        }
        if (tls) {
            try {
                builder.sslContext(ssl -> {
                    if (trustManagers != null) {
                        ssl.trustManager(trustManagers);
                    }
                    if (keyManagers != null) {
                        ssl.keyManager(keyManagers);
                    }
                });
            }
            catch (SSLException | RuntimeException ex) {
                throw new LockConfigurationException("Backend etcd: cannot set up TLS for " + describe(endpoints)
                        + ": " + ex.getMessage(), ex);
            }
        }
        return builder.build();
    }

    /** The user the client authenticates as, or null. */
    @Nullable String user() {
        return user;
    }

    boolean tls() {
        return tls;
    }

    boolean clientCertificate() {
        return keyManagers != null;
    }

    /** The members, for messages. */
    String describe() {
        return describe(endpoints);
    }

    private static String describe(List<URI> endpoints) {
        return endpoints.stream().map(URI::toString).collect(Collectors.joining(", "));
    }

    private static boolean isHttps(URI uri) {
        return "https".equalsIgnoreCase(uri.getScheme());
    }

    /** Whether the URI names this host: {@code localhost} or a loopback address, without asking DNS. */
    private static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|\\[[0-9a-fA-F:.]+]")) {
            return false;
        }
        try {
            return InetAddress.getByName(host.replace("[", "").replace("]", "")).isLoopbackAddress();
        }
        catch (UnknownHostException | SecurityException ex) {
            return false;
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "etcd " + describe() + (user != null ? " as '" + user + "'" : "") + (tls ? " (TLS)" : "");
    }
}
