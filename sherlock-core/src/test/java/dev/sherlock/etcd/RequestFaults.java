package dev.sherlock.etcd;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * A gRPC interceptor for a test client: counts the calls per etcd method and injects faults into {@code KV/Txn}
 * calls, which still reach the real server.
 * <ul>
 * <li>{@link #loseNextTxnAnswers}: the server applies the transaction, but the client sees UNAVAILABLE, as when the
 * connection breaks after the request was sent;</li>
 * <li>{@link #delayNextTxns}: the request leaves the client only after a delay, as when it is stuck in a slow
 * network, so it reaches the server after the client has given up;</li>
 * <li>{@link #failLeaseRevokes}: lease revocations fail with UNAVAILABLE without reaching the server, as while the
 * network is down.</li>
 * </ul>
 */
final class RequestFaults implements ClientInterceptor {

    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    private final AtomicInteger answersToLose = new AtomicInteger();

    private final AtomicInteger txnsToDelay = new AtomicInteger();

    private volatile long delayMillis;

    private volatile boolean failRevokes;

    /** Delayed transactions whose (real) answer has arrived. */
    private final AtomicInteger delayedAnswered = new AtomicInteger();

    private final List<Status> delayedStatuses = new CopyOnWriteArrayList<>();

    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "request-faults");
        thread.setDaemon(true);
        return thread;
    });

    int calls(String method) {
        AtomicInteger count = calls.get(method);
        return count == null ? 0 : count.get();
    }

    void loseNextTxnAnswers(int count) {
        answersToLose.set(count);
    }

    void delayNextTxns(int count, long millis) {
        delayMillis = millis;
        txnsToDelay.set(count);
    }

    void failLeaseRevokes(boolean fail) {
        failRevokes = fail;
    }

    int delayedAnswered() {
        return delayedAnswered.get();
    }

    List<Status> delayedStatuses() {
        return delayedStatuses;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        String name = method.getBareMethodName();
        calls.computeIfAbsent(name, key -> new AtomicInteger()).incrementAndGet();
        ClientCall<Q, R> call = next.newCall(method, options);
        if ("LeaseRevoke".equals(name) && failRevokes) {
            return new FailingCall<>();
        }
        if (!"Txn".equals(name)) {
            return call;
        }
        if (answersToLose.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new LosingCall<>(call);
        }
        if (txnsToDelay.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new DelayedCall<>(call, delayMillis);
        }
        return call;
    }

    /** Lets the call complete on the server and replaces its answer with UNAVAILABLE. */
    private static final class LosingCall<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {

        LosingCall(ClientCall<Q, R> delegate) {
            super(delegate);
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onMessage(R message) {
                    // dropped: the client never learns the outcome
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    super.onClose(Status.UNAVAILABLE.withDescription("injected fault: the answer was lost"),
                            new Metadata());
                }
            }, headers);
        }
    }

    /** Fails at once with UNAVAILABLE; nothing reaches the server. */
    private static final class FailingCall<Q, R> extends ClientCall<Q, R> {

        private Listener<R> listener;

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            this.listener = listener;
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void cancel(String message, Throwable cause) {
        }

        @Override
        public void halfClose() {
            listener.onClose(Status.UNAVAILABLE.withDescription("injected fault: the network is down"), new Metadata());
        }

        @Override
        public void sendMessage(Q message) {
        }
    }

    /** Replays everything the client does on the call after a delay, in order, on one thread. */
    private final class DelayedCall<Q, R> extends ClientCall<Q, R> {

        private final ClientCall<Q, R> delegate;

        private final List<Runnable> pending = new ArrayList<>();

        private boolean released;

        DelayedCall(ClientCall<Q, R> delegate, long delay) {
            this.delegate = delegate;
            delayer.schedule(this::release, delay, TimeUnit.MILLISECONDS);
        }

        private synchronized void run(Runnable operation) {
            if (released) {
                operation.run();
            }
            else {
                pending.add(operation);
            }
        }

        private synchronized void release() {
            released = true;
            pending.forEach(Runnable::run);
            pending.clear();
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            Listener<R> counting = new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    delayedStatuses.add(status);
                    delayedAnswered.incrementAndGet();
                    super.onClose(status, trailers);
                }
            };
            run(() -> delegate.start(counting, headers));
        }

        @Override
        public void request(int count) {
            run(() -> delegate.request(count));
        }

        @Override
        public void cancel(String message, Throwable cause) {
            // The client gave up; the request still goes out, as a stuck packet would.
        }

        @Override
        public void halfClose() {
            run(delegate::halfClose);
        }

        @Override
        public void sendMessage(Q message) {
            run(() -> delegate.sendMessage(message));
        }
    }
}
