package dev.sherlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for TLS tests, made with {@code openssl} in a directory: a CA that signs a server certificate for
 * 127.0.0.1 / localhost and a client certificate, and a second, unrelated CA with a client certificate of its own (a
 * stranger's). Keys are PKCS#8 PEM files; each client also has a PKCS#12 key store with the password
 * {@link #PASSWORD}.
 */
public final class TestCertificates {

    /** The password of the PKCS#12 key stores. */
    public static final String PASSWORD = "changeit";

    private final Path directory;

    private TestCertificates(Path directory) {
        this.directory = directory;
    }

    /**
     * Makes the certificates in {@code directory} (created if missing).
     * @throws IllegalStateException if openssl is missing or fails
     */
    public static TestCertificates generate(Path directory) {
        String openssl = LocalServer.requireBinary("openssl", "openssl", "TLS certificates");
        try {
            Files.createDirectories(directory);
            TestCertificates certificates = new TestCertificates(directory);
            certificates.authority(openssl, "ca");
            certificates.signed(openssl, "ca", "server", "127.0.0.1",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
            certificates.signed(openssl, "ca", "client", "sherlock", "extendedKeyUsage=clientAuth\n");
            certificates.authority(openssl, "stranger-ca");
            certificates.signed(openssl, "stranger-ca", "stranger", "sherlock", "extendedKeyUsage=clientAuth\n");
            return certificates;
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot make test certificates in " + directory, ex);
        }
    }

    /** Reads certificates made before by {@link #generate}. */
    public static TestCertificates in(Path directory) {
        return new TestCertificates(directory);
    }

    private void authority(String openssl, String name) throws IOException {
        run(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=sherlock-test-" + name);
    }

    private void signed(String openssl, String authority, String name, String commonName, String extensions)
            throws IOException {
        Files.writeString(directory.resolve(name + ".ext"), extensions, StandardCharsets.UTF_8);
        run(openssl, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj", "/CN=" + commonName);
        run(openssl, "x509", "-req", "-in", name + ".csr", "-CA", authority + ".crt", "-CAkey", authority + ".key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
        run(openssl, "pkcs12", "-export", "-in", name + ".crt", "-inkey", name + ".key", "-out", name + ".p12",
                "-passout", "pass:" + PASSWORD);
    }

    private void run(String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of(command));
        Path log = directory.resolve("openssl.log");
        Process process = new ProcessBuilder(line).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("openssl failed: " + line + "\n" + Files.readString(log));
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + line, ex);
        }
    }

    public Path directory() {
        return directory;
    }

    /** A PEM file of this set, e.g. {@code ca.crt}, {@code server.key}, {@code client.crt}. */
    public Path file(String name) {
        return directory.resolve(name);
    }

    /** Trusts the CA that signed the server certificate. */
    public TrustManagerFactory trustManagers() {
        return trust("ca.crt");
    }

    /** Trusts only the stranger's CA, which did not sign the server certificate. */
    public TrustManagerFactory strangerTrustManagers() {
        return trust("stranger-ca.crt");
    }

    /** Presents the client certificate the CA signed. */
    public KeyManagerFactory clientKeyManagers() {
        return keys("client.p12");
    }

    /** Presents a client certificate the server's CA did not sign. */
    public KeyManagerFactory strangerKeyManagers() {
        return keys("stranger.p12");
    }

    private TrustManagerFactory trust(String certificate) {
        try (InputStream in = Files.newInputStream(directory.resolve(certificate))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        }
        catch (IOException | GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot read " + certificate, ex);
        }
    }

    private KeyManagerFactory keys(String keyStore) {
        try (InputStream in = Files.newInputStream(directory.resolve(keyStore))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, PASSWORD.toCharArray());
            return factory;
        }
        catch (IOException | GeneralSecurityException ex) {
            throw new IllegalStateException("Cannot read " + keyStore, ex);
        }
    }
}
