package dev.sherlock.memcached;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sherlock.LockConfigurationException;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.GetFuture;
import net.spy.memcached.ops.OperationErrorType;
import net.spy.memcached.ops.OperationException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The startup check of {@link MemcachedBackend#checkAccess(String)}.
 *
 * <p>spymemcached cannot tell it: it authenticates in a background thread after each connect, and on a refusal it
 * logs, reconnects and tries again for ever, while operations wait in its retry queue until they time out, exactly as
 * for a server that is down. So for the backend's own client the check asks each server itself, on a short-lived
 * connection of its own speaking the binary protocol: {@code SASL_AUTH} with {@code PLAIN} when credentials are
 * configured, else a {@code GET} of a probe key, which a server that demands SASL refuses with "Auth failure.". An
 * application's client authenticates with credentials the backend does not know; its own {@code GET} shows whether
 * the server refuses it unauthenticated, and a time-out cannot be told from a server that is down.
 */
final class MemcachedAccess {

    private static final Logger logger = LoggerFactory.getLogger(MemcachedAccess.class);

    /** Read, never written: an absent key is a valid answer. */
    static final String PROBE_KEY = "sherlock-access-check";

    private static final byte GET = 0x00;

    private static final byte SASL_AUTH = 0x21;

    private static final int SUCCESS = 0x00;

    private static final int NOT_FOUND = 0x01;

    private static final int AUTH_ERROR = 0x20;

    private static final int UNKNOWN_COMMAND = 0x81;

    private static final int NOT_SUPPORTED = 0x83;

    /** Out of memory, busy, temporary failure: the server may accept later, so no refusal. */
    private static final Set<Integer> TRANSIENT = Set.of(0x82, 0x85, 0x86);

    private MemcachedAccess() {
    }

    /**
     * Checks the servers of the backend's own client, one request each, all at once: connecting and the answer each
     * take at most {@code timeoutMillis}, however many servers there are.
     */
    static void checkServers(List<InetSocketAddress> servers, @Nullable MemcachedCredentials credentials,
            int timeoutMillis) {
        List<String> refusals = new ArrayList<>();
        List<String> unreachable = new ArrayList<>();
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            CompletableFuture<Answer> answer = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    answer.complete(probe(server, credentials, timeoutMillis));
                }
                catch (Throwable ex) {
                    answer.completeExceptionally(ex);
                }
            }, "sherlock-memcached-access-check");
            thread.setDaemon(true);
            thread.start();
            answers.add(answer);
        }
        for (int i = 0; i < servers.size(); i++) {
            InetSocketAddress server = servers.get(i);
            try {
                Answer answer = answers.get(i).get(2L * timeoutMillis + 1_000, TimeUnit.MILLISECONDS);
                if (TRANSIENT.contains(answer.status())) {
                    unreachable.add(address(server) + " (busy: status 0x" + Integer.toHexString(answer.status())
                            + ", '" + answer.message() + "')");
                    continue;
                }
                String refusal = refusal(server, answer, credentials);
                if (refusal != null) {
                    refusals.add(refusal);
                }
            }
            catch (ExecutionException ex) {
                if (ex.getCause() instanceof Error error) {
                    throw error;
                }
                unreachable.add(address(server) + " (" + ex.getCause() + ")");
            }
            catch (TimeoutException ex) {
                unreachable.add(address(server) + " (no answer)");
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new LockConfigurationException("Backend memcached: interrupted while checking access to "
                        + addresses(servers), ex);
            }
        }
        if (!refusals.isEmpty()) {
            throw new LockConfigurationException("Backend memcached: " + String.join("; ", refusals) + ". No lock"
                    + " can be taken there until this is fixed");
        }
        warnIfUnreachable(unreachable, timeoutMillis);
    }

    /**
     * Checks an application's client through the client itself: one read of the probe key, so it reaches the server
     * that holds that key. A client that does not authenticate at all is refused by every server alike.
     */
    static void checkClient(MemcachedClient client, List<InetSocketAddress> servers) {
        long timeoutMillis = client.getOperationTimeout();
        GetFuture<Object> get = client.asyncGet(PROBE_KEY);
        try {
            get.get(timeoutMillis, TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException ex) {
            // memcached answers an unauthenticated request with status 0x20, which spymemcached does not map: it
            // fails the operation with an OperationException carrying the server's text and reconnects.
            if (ex.getCause() instanceof OperationException failure && failure.getType() == OperationErrorType.SERVER
                    && String.valueOf(failure.getMessage()).contains("Auth")) {
                throw new LockConfigurationException("Backend memcached: the server " + addresses(servers)
                        + " requires SASL authentication, and the application's MemcachedClient did not"
                        + " authenticate (the server answered '" + get.getStatus().getMessage() + "'). Build the"
                        + " client with ConnectionFactoryBuilder.setAuthDescriptor(...); no lock can be taken"
                        + " until then");
            }
            warnIfUnreachable(List.of(addresses(servers) + " (" + ex.getCause() + ")"), timeoutMillis);
        }
        catch (CancellationException ex) {
            warnIfUnreachable(List.of(addresses(servers) + " (the client cancelled the request: " + ex.getMessage()
                    + ")"), timeoutMillis);
        }
        catch (TimeoutException ex) {
            get.cancel(true);
            warnIfUnreachable(List.of(addresses(servers) + " (no answer; the server is down, unreachable, or"
                    + " refused the client's own SASL authentication)"), timeoutMillis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new LockConfigurationException("Backend memcached: interrupted while checking access to "
                    + addresses(servers), ex);
        }
    }

    private static void warnIfUnreachable(List<String> unreachable, long timeoutMillis) {
        if (!unreachable.isEmpty()) {
            logger.warn("Backend memcached: cannot check access to {} within {} ms; starting anyway. Locks there"
                    + " fail until the server answers", String.join(", ", unreachable), timeoutMillis);
        }
    }

    private static @Nullable String refusal(InetSocketAddress server, Answer answer,
            @Nullable MemcachedCredentials credentials) {
        String said = " (the server answered '" + answer.message() + "')";
        if (credentials == null) {
            return answer.status() == AUTH_ERROR ? "the server " + address(server) + " requires SASL"
                    + " authentication" + said + "; set the username and password" : null;
        }
        return switch (answer.status()) {
            case SUCCESS -> null;
            case AUTH_ERROR -> "SASL authentication as '" + credentials.username() + "' failed on "
                    + address(server) + said + "; check the username and password";
            case UNKNOWN_COMMAND, NOT_SUPPORTED -> "the server " + address(server) + " does not support SASL"
                    + " authentication" + said + ", yet a username and password are set; start memcached with -S,"
                    + " or remove the credentials";
            default -> "SASL authentication as '" + credentials.username() + "' on " + address(server)
                    + " was not accepted: status 0x" + Integer.toHexString(answer.status()) + said;
        };
    }

    private static Answer probe(InetSocketAddress server, @Nullable MemcachedCredentials credentials,
            int timeoutMillis) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            if (credentials == null) {
                out.write(request(GET, PROBE_KEY.getBytes(StandardCharsets.US_ASCII), new byte[0]));
            }
            else {
                out.write(request(SASL_AUTH, "PLAIN".getBytes(StandardCharsets.US_ASCII),
                        ("\0" + credentials.username() + "\0" + credentials.password())
                                .getBytes(StandardCharsets.UTF_8)));
            }
            out.flush();
            return answer(new DataInputStream(socket.getInputStream()));
        }
    }

    /** A binary-protocol request: the 24-byte header, the key, the value; no extras. */
    private static byte[] request(byte opcode, byte[] key, byte[] value) {
        return ByteBuffer.allocate(24 + key.length + value.length).put((byte) 0x80).put(opcode)
                .putShort((short) key.length).put((byte) 0).put((byte) 0).putShort((short) 0)
                .putInt(key.length + value.length).putInt(0).putLong(0).put(key).put(value).array();
    }

    private static Answer answer(DataInputStream in) throws IOException {
        byte[] header = new byte[24];
        in.readFully(header);
        ByteBuffer fields = ByteBuffer.wrap(header);
        if (fields.get(0) != (byte) 0x81) {
            throw new IOException("not a memcached binary-protocol response (magic 0x"
                    + Integer.toHexString(fields.get(0) & 0xff) + ")");
        }
        int status = fields.getShort(6) & 0xffff;
        int bodyLength = fields.getInt(8);
        byte[] body = new byte[Math.min(Math.max(bodyLength, 0), 4096)];
        in.readFully(body);
        // The text of an error, or the value of a GET, which only the status matters for.
        String message = status == SUCCESS || status == NOT_FOUND ? "" : new String(body, StandardCharsets.UTF_8);
        return new Answer(status, message);
    }

    private static String address(InetSocketAddress server) {
        return server.getHostString() + ":" + server.getPort();
    }

    private static String addresses(List<InetSocketAddress> servers) {
        return String.join(", ", servers.stream().map(MemcachedAccess::address).toList());
    }

    private record Answer(int status, String message) {
    }
}
