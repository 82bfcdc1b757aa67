package dev.sherlock.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;

import dev.sherlock.LockRegistry;
import dev.sherlock.LockSettings;
import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;
import dev.sherlock.benchmark.Contender.Kind;
import dev.sherlock.benchmark.Contender.Scenario;
import dev.sherlock.etcd.EtcdBackend;
import dev.sherlock.testserver.LocalServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;

/**
 * etcd: the raw floor (a create-if-absent transaction and a value-checked delete transaction, retried at once),
 * jetcd's Lock service (the server's own lock, on a lease) and Sherlock.
 */
final class EtcdContenders {

    private EtcdContenders() {
    }

    static List<Contender> all(LocalServer etcd) {
        EnumSet<Scenario> every = EnumSet.allOf(Scenario.class);
        String endpoint = endpoint(etcd);
        return List.of(
                new Contender("etcd", "raw floor", Kind.FLOOR, every, () -> raw(endpoint)),
                new Contender("etcd", "jetcd Lock service", Kind.PEER, every, () -> lockService(endpoint)),
                new Contender("etcd", "Sherlock", Kind.SHERLOCK, every,
                        () -> sherlock(etcd, Benchmarks.SHERLOCK_SETTINGS)));
    }

    static String endpoint(LocalServer etcd) {
        return "http://" + etcd.host() + ":" + etcd.port();
    }

    static Client sherlock(LocalServer etcd, LockSettings settings) {
        EtcdBackend backend = EtcdBackend.builder().endpoints(endpoint(etcd)).build();
        LockRegistry registry = LockRegistry.of(backend, "benchmark", settings);
        return Clients.of(name -> Clients.sherlock(registry.getLock(name)), backend::close);
    }

    private static Client raw(String endpoint) {
        io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder().endpoints(endpoint).build();
        KV kv = client.getKVClient();
        return Clients.of(name -> {
            ByteSequence key = bytes(name);
            ByteSequence me = bytes(UUID.randomUUID().toString());
            Cmp absent = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0));
            Cmp mine = new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(me));
            return new Handle() {
                @Override
                public void lock() throws Exception {
                    while (!kv.txn().If(absent).Then(Op.put(key, me, PutOption.DEFAULT)).commit().get()
                            .isSucceeded()) {
                        // retry at once
                    }
                }

                @Override
                public void unlock() throws Exception {
                    if (!kv.txn().If(mine).Then(Op.delete(key, DeleteOption.DEFAULT)).commit().get().isSucceeded()) {
                        throw new IllegalStateException("raw floor: lock " + name + " was not held");
                    }
                }
            };
        }, client::close);
    }

    /** jetcd's Lock service: a lock key bound to a lease of the client (granted for 120 s, longer than any run). */
    private static Client lockService(String endpoint) {
        io.etcd.jetcd.Client client = io.etcd.jetcd.Client.builder().endpoints(endpoint).build();
        return Clients.of(name -> {
            long lease = client.getLeaseClient().grant(120).get().getID();
            ByteSequence lockName = bytes(name);
            return new Handle() {
                private ByteSequence held;

                @Override
                public void lock() throws Exception {
                    held = client.getLockClient().lock(lockName, lease).get().getKey();
                }

                @Override
                public void unlock() throws Exception {
                    client.getLockClient().unlock(held).get();
                }
            };
        }, client::close);
    }

    /** etcd itself: its process and the gRPC messages it received ({@code /metrics}). */
    static Server server(LocalServer etcd) {
        HttpClient http = HttpClient.newHttpClient();
        URI metrics = URI.create(endpoint(etcd) + "/metrics");
        URI version = URI.create(endpoint(etcd) + "/version");
        return new Server() {
            @Override
            public String describe() {
                return "etcd " + get(version).replaceAll(".*\"etcdserver\":\"([^\"]*)\".*", "$1").trim();
            }

            @Override
            public long cpuNanos() {
                return Server.cpuNanosOf(etcd.pid());
            }

            @Override
            public long requests() {
                // Unary requests are one message each; a keep-alive or a watch request is one message on its stream.
                return Math.round(get(metrics).lines()
                        .filter(line -> line.startsWith("grpc_server_msg_received_total{"))
                        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum());
            }

            @Override
            public void close() {
            }

            private String get(URI uri) {
                try {
                    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                }
                catch (IOException ex) {
                    throw new IllegalStateException("Cannot read " + uri + ": " + ex.getMessage(), ex);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted reading " + uri, ex);
                }
            }
        };
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }
}
