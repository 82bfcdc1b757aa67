package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import dev.sherlock.LockConfigurationException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The startup check of {@link EtcdBackend#checkAccess}: one transaction whose condition never holds (a key's create
 * revision below zero) and whose success branch writes the lock key. etcd checks permissions on every key a
 * transaction names, in both branches, before it evaluates anything: the request fails if the user may not read and
 * write the key, and otherwise writes nothing.
 */
final class EtcdAccess {

    private static final Logger logger = LoggerFactory.getLogger(EtcdAccess.class);

    /** The name of the lock key the check names; nothing is ever written to it. */
    static final String PROBE_NAME = "sherlock-access-probe";

    private EtcdAccess() {
    }

    /**
     * @param where the members, for messages
     * @param user the user the client authenticates as, or null
     * @param tls whether the client speaks TLS
     * @throws LockConfigurationException if etcd refused the client
     */
    static void check(KV kv, String key, Duration timeout, String where, @Nullable String user, boolean tls,
            boolean clientCertificate) {
        ByteSequence probe = ByteSequence.from(key, StandardCharsets.UTF_8);
        try {
            kv.txn().If(new Cmp(probe, Cmp.Op.LESS, CmpTarget.createRevision(0)))
                    .Then(Op.put(probe, ByteSequence.EMPTY, PutOption.DEFAULT)).commit()
                    .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new LockConfigurationException("Backend etcd: interrupted while checking access to " + where, ex);
        }
        catch (TimeoutException ex) {
            unreachable(where, "no answer within " + timeout.toMillis() + " ms", ex);
        }
        catch (ExecutionException | RuntimeException ex) {
            Throwable failure = ex instanceof ExecutionException && ex.getCause() != null ? ex.getCause() : ex;
            String refusal = refusal(failure, key, user, tls, clientCertificate);
            if (refusal == null) {
                unreachable(where, failure + hint(failure, tls), failure);
                return;
            }
            throw new LockConfigurationException("Backend etcd at " + where + " refused the connection: " + refusal
                    + ". No lock can be taken until this is fixed", failure);
        }
    }

    /** A hint for the ambiguous answers of a member that speaks the other scheme. */
    private static String hint(Throwable failure, boolean tls) {
        String text = "";
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            text += " " + cause.getMessage();
        }
        if (tls && text.contains("while performing TLS negotiation")) {
            return "; if the member serves plain HTTP, use http:// endpoints";
        }
        if (!tls && text.contains("Network closed for unknown reason")) {
            return "; if the member serves TLS, use https:// endpoints";
        }
        return "";
    }

    private static void unreachable(String where, String why, Throwable ex) {
        logger.warn("Backend etcd: could not check access to {} ({}); starting anyway, locks will fail until etcd"
                + " answers", where, why);
        logger.debug("Backend etcd: access check failure", ex);
    }

    /** TLS alerts by which a server refuses the client's certificate (or its absence). */
    private static final List<String> CLIENT_CERTIFICATE_ALERTS = List.of("bad_certificate", "certificate_required",
            "unknown_ca", "certificate_unknown", "certificate_expired", "certificate_revoked",
            "unsupported_certificate");

    private static boolean hasCertificateException(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    /** What etcd refused, or null if the failure is not a refusal (etcd down, unreachable, busy). */
    static @Nullable String refusal(Throwable failure, String key, @Nullable String user, boolean tls,
            boolean clientCertificate) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                // Only certificates are refusals: a handshake that timed out or was cut off is a member that is
                // busy or restarting.
                String message = String.valueOf(cause.getMessage());
                if (CLIENT_CERTIFICATE_ALERTS.stream().anyMatch(message::contains)) {
                    return "the TLS handshake failed because etcd did not accept the client certificate ("
                            + message + "). " + (clientCertificate ? "Check that etcd's --trusted-ca-file signed"
                            + " the client certificate in the key store" : "etcd requires one"
                            + " (--client-cert-auth): configure a key store with the client certificate and key");
                }
                if (hasCertificateException(cause)) {
                    return "the TLS handshake failed because etcd's certificate is not trusted or does not name the"
                            + " member (" + message + "). Configure a trust store with the CA that signed it, or the"
                            + " authority the certificate names";
                }
            }
            // gRPC's status, read from its text (io.grpc is jetcd's, not ours): "UNIMPLEMENTED: HTTP status code 404".
            String status = String.valueOf(cause.getMessage());
            if (cause.getClass().getName().equals("io.grpc.StatusRuntimeException")
                    && (status.startsWith("UNIMPLEMENTED") || status.contains("HTTP status code"))) {
                return "the endpoint does not serve etcd's gRPC API (" + status + "): check the endpoints' hosts"
                        + " and client ports (2379)";
            }
            String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("user name is empty")) {
                return "etcd has authentication enabled and no user was given: set the username and password";
            }
            if (message.contains("authentication failed")) {
                return "authentication as '" + user + "' failed (invalid user or password)";
            }
            if (message.contains("authentication is not enabled")) {
                return "a username and password were given but etcd has authentication disabled: leave them unset"
                        + " or enable authentication in etcd";
            }
            if (message.contains("permission denied")) {
                return "user '" + user + "' may not read and write the key '" + key + "': grant one of its roles"
                        + " readwrite on Sherlock's keys (etcdctl role grant-permission <role> readwrite --prefix "
                        + EtcdKeys.PREFIX + ")";
            }
        }
        return null;
    }
}
