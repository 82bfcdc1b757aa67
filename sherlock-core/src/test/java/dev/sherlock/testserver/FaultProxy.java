package dev.sherlock.testserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A TCP proxy between a client and a real server, on a free loopback port, that injects the faults of a real
 * network: replies delayed, a reply dropped with the connection reset right after the server applied the request
 * (so the client does not know whether it was applied, and may resend it), or everything blackholed.
 *
 * <p>Each accepted connection gets its own upstream connection and two pump threads. Faults apply to every
 * connection; {@link #dropReplyAndReset(Predicate)} targets the connection whose request matches.
 */
public final class FaultProxy implements AutoCloseable {

    private final InetSocketAddress upstream;

    private final ServerSocket listener;

    private final List<Link> links = new CopyOnWriteArrayList<>();

    private final AtomicInteger drops = new AtomicInteger();

    private volatile Duration replyDelay = Duration.ZERO;

    private volatile boolean blackholed;

    private volatile Predicate<String> dropAfter;

    /** Whether the armed drop closes the client's connection in good order rather than resetting it. */
    private volatile boolean closeGracefully;

    private volatile CountDownLatch dropped = new CountDownLatch(1);

    private volatile boolean closed;

    private FaultProxy(InetSocketAddress upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fault-proxy-accept-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy to {@code host:port}.
     * @param host the server's host
     * @param port the server's port
     * @return the running proxy; connect clients to {@link #port()}
     */
    public static FaultProxy to(String host, int port) {
        try {
            return new FaultProxy(new InetSocketAddress(host, port));
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot start a fault proxy to " + host + ":" + port, ex);
        }
    }

    /** The loopback port clients connect to. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Forwards everything at once again: no delay, no blackhole, no pending drop. */
    public void pass() {
        replyDelay = Duration.ZERO;
        blackholed = false;
        dropAfter = null;
    }

    /** Delays every reply (server to client) by {@code delay}. */
    public void delayReplies(Duration delay) {
        replyDelay = delay;
    }

    /** Stops forwarding in both directions; connections stay open and requests go unanswered. */
    public void blackhole() {
        blackholed = true;
    }

    /**
     * Arms one fault: the next request whose text (ISO-8859-1) matches {@code request} is forwarded to the server,
     * but its reply is dropped and the client's connection is reset, as when a network fails right after the server
     * applied the request. Later requests pass.
     * @param request what the request to hit contains
     */
    public void dropReplyAndReset(Predicate<String> request) {
        arm(request, false);
    }

    /**
     * Arms one fault: the next request whose text (ISO-8859-1) matches {@code request} is forwarded to the server,
     * but its reply is dropped and the client's connection is closed in good order (FIN, not RST), as a server or a
     * proxy in between does when it closes a connection ({@code CLIENT KILL}, a failover, an idle timeout). A client
     * with at-least-once delivery (Lettuce) then sends the request again on a new connection, where
     * {@link #dropReplyAndReset} makes it fail the request instead. Later requests pass.
     * @param request what the request to hit contains
     */
    public void dropReplyAndClose(Predicate<String> request) {
        arm(request, true);
    }

    private void arm(Predicate<String> request, boolean graceful) {
        dropped = new CountDownLatch(1);
        closeGracefully = graceful;
        dropAfter = request;
    }

    /**
     * Waits until the armed drop has happened.
     * @param timeout how long to wait
     * @return whether it happened
     * @throws InterruptedException if interrupted
     */
    public boolean awaitDrop(Duration timeout) throws InterruptedException {
        return dropped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** How many replies were dropped so far. */
    public int drops() {
        return drops.get();
    }

    /** Resets every open connection at once, as a network failure would. */
    public void resetAll() {
        links.forEach(Link::reset);
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        }
        catch (IOException ignored) {
            // closing anyway
        }
        resetAll();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(upstream, 5000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Link link = new Link(client, server);
                links.add(link);
                link.start();
            }
            catch (IOException ex) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** One client connection and its upstream connection. */
    private final class Link {

        private final Socket client;

        private final Socket server;

        /** Set when a request matched the armed drop: the next reply on this link is dropped. */
        private volatile boolean dropNextReply;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void start() throws IOException {
            Thread requests = new Thread(() -> pump(client, server, true), "fault-proxy-requests");
            Thread replies = new Thread(() -> pump(server, client, false), "fault-proxy-replies");
            requests.setDaemon(true);
            replies.setDaemon(true);
            requests.start();
            replies.start();
        }

        private void pump(Socket from, Socket to, boolean isRequest) {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    while (blackholed && !closed) {
                        Thread.sleep(5);
                    }
                    if (isRequest) {
                        Predicate<String> armed = dropAfter;
                        if (armed != null && armed.test(new String(buffer, 0, read, StandardCharsets.ISO_8859_1))) {
                            dropAfter = null;
                            dropNextReply = true;
                        }
                    }
                    else {
                        if (dropNextReply) {
                            dropNextReply = false;
                            drops.incrementAndGet();
                            if (closeGracefully) {
                                close();
                            }
                            else {
                                reset();
                            }
                            dropped.countDown();
                            return;
                        }
                        Duration delay = replyDelay;
                        if (!delay.isZero()) {
                            Thread.sleep(delay.toMillis());
                        }
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            }
            catch (IOException | InterruptedException ex) {
                // the link ends
            }
            reset();
        }

        /** Closes both connections in good order: the client reads the end of the stream, not an error. */
        void close() {
            links.remove(this);
            for (Socket socket : new Socket[] {server, client}) {
                try {
                    socket.close();
                }
                catch (IOException ignored) {
                    // already closed
                }
            }
        }

        void reset() {
            links.remove(this);
            for (Socket socket : new Socket[] {client, server}) {
                try {
                    socket.setSoLinger(true, 0);
                    socket.close();
                }
                catch (IOException ignored) {
                    // already closed
                }
            }
        }
    }
}
