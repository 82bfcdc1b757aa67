package dev.sherlock.testserver;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;

/**
 * Single-member etcd servers that demand what production clusters do: one serving clients only over TLS with client
 * certificates ({@code --client-cert-auth}), one with authentication enabled and a user for Sherlock's keys. Each call
 * starts a server of its own; the caller closes it.
 */
public final class SecureEtcd {

    /** May read and write Sherlock's keys ({@code sherlock/} prefix). */
    public static final String USER = "sherlock";

    /** {@link #USER}'s password; tests assert it never shows up in messages or logs. */
    public static final String PASSWORD = "s3cret-Etcd-Passw0rd";

    /** May only read Sherlock's keys; its password is {@link #PASSWORD} too. */
    public static final String READER = "reader";

    private static final String ROOT_PASSWORD = "r00t-Passw0rd";

    /** etcd serving clients over TLS with client certificates; the certificates are in {@code tls/}. */
    public static final LocalServer.Spec TLS = new LocalServer.Spec("etcd-tls", "etcd", "etcd-server", 2,
            (binary, ports, dir) -> {
                TestCertificates certificates = TestCertificates.generate(dir.resolve("tls"));
                String client = "https://127.0.0.1:" + ports[0];
                String peer = "http://127.0.0.1:" + ports[1];
                return List.of(binary, "--name", "sherlock-tls", "--data-dir", dir.resolve("data").toString(),
                        "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls",
                        peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "sherlock-tls=" + peer,
                        "--cert-file", certificates.file("server.crt").toString(), "--key-file",
                        certificates.file("server.key").toString(), "--trusted-ca-file",
                        certificates.file("ca.crt").toString(), "--client-cert-auth");
            });

    private SecureEtcd() {
    }

    /** Starts an etcd that serves clients over TLS and requires a client certificate signed by its CA. */
    public static LocalServer startTls() {
        return LocalServer.start(TLS);
    }

    /** The certificates of a server from {@link #startTls()}. */
    public static TestCertificates certificates(LocalServer server) {
        return TestCertificates.in(server.directory().resolve("tls"));
    }

    public static String httpsEndpoint(LocalServer server) {
        return "https://127.0.0.1:" + server.port();
    }

    public static String httpEndpoint(LocalServer server) {
        return "http://127.0.0.1:" + server.port();
    }

    /**
     * Starts an etcd with authentication enabled: {@code root}, {@link #USER} with read and write on Sherlock's
     * keys, {@link #READER} with read only.
     */
    public static LocalServer startWithAuthentication() {
        LocalServer server = LocalServer.start(TestServers.ETCD);
        try (Client client = Client.builder().endpoints(httpEndpoint(server)).build()) {
            Auth auth = client.getAuthClient();
            await(auth.userAdd(bytes("root"), bytes(ROOT_PASSWORD)));
            await(auth.roleAdd(bytes("root")));
            await(auth.userGrantRole(bytes("root"), bytes("root")));
            await(auth.roleAdd(bytes("locks")));
            await(auth.roleGrantPermission(bytes("locks"), bytes("sherlock/"), bytes("sherlock0"),
                    Permission.Type.READWRITE));
            await(auth.userAdd(bytes(USER), bytes(PASSWORD)));
            await(auth.userGrantRole(bytes(USER), bytes("locks")));
            await(auth.roleAdd(bytes("read")));
            await(auth.roleGrantPermission(bytes("read"), bytes("sherlock/"), bytes("sherlock0"),
                    Permission.Type.READ));
            await(auth.userAdd(bytes(READER), bytes(PASSWORD)));
            await(auth.userGrantRole(bytes(READER), bytes("read")));
            await(auth.authEnable());
            return server;
        }
        catch (RuntimeException ex) {
            server.close();
            throw ex;
        }
    }

    private static void await(java.util.concurrent.CompletableFuture<?> request) {
        try {
            request.get(10, TimeUnit.SECONDS);
        }
        catch (Exception ex) {
            throw new IllegalStateException("Cannot set up etcd authentication for the tests", ex);
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
