package dev.sherlock.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sherlock.LockSettings;
import dev.sherlock.benchmark.Contender.Kind;
import dev.sherlock.benchmark.Contender.Scenario;
import dev.sherlock.testserver.LeaseApiServer;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sherlock side by side with the raw floors and the peer libraries, on every backend this machine can run, in one
 * run (Kubernetes against the tests' in-process Lease API server): P1 uncontended acquire + release, P2 hand-off
 * latency, P3 four clients on one lock (with fairness), P4 many locks held with renewal, P5 the file backend
 * against {@code FileChannel.lock()}. Each figure is the median of the repetitions, with their minimum and maximum;
 * the contenders of a backend take turns within each repetition, so load from elsewhere hits them alike. It starts
 * its own servers on free ports and writes {@code results.md} and {@code chart.svg} into the output folder. Run it
 * with {@code ./scripts/benchmark.sh} (options: {@code --help}).
 */
public final class Benchmarks {

    /** Sherlock as the peers are set up: a 30 s expiry, renewed automatically; a generous timeout. */
    static final LockSettings SHERLOCK_SETTINGS = LockSettings.defaults().withExpire(Duration.ofSeconds(30))
            .withTimeout(Duration.ofMinutes(1));

    private static final Logger logger = LoggerFactory.getLogger(Benchmarks.class);

    private static final int CLIENTS = 4;

    private final Options options;

    private Benchmarks(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (options == null) {
            return;
        }
        new Benchmarks(options).run();
        System.exit(0);
    }

    private void run() throws Exception {
        Path scratch = Files.createTempDirectory("sherlock-benchmark");
        List<AutoCloseable> toClose = new ArrayList<>();
        Map<String, BackendRun> runs = new LinkedHashMap<>();
        long began = System.nanoTime();
        try {
            for (String backend : options.backends()) {
                BackendRun run = start(backend, scratch, toClose);
                runs.put(backend, run);
                measure(run);
                if (options.heldLocks() > 0) {
                    for (Contender holder : run.holders) {
                        logger.info("P4 {} / {}: holding {} locks", backend, holder.name(), options.heldLocks());
                        run.held.put(holder, HeldLocks.run(holder, run.server, options.heldLocks(),
                                options.heldExpire().dividedBy(3).multipliedBy(2)));
                    }
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - began);
            Path written = new Report(options, runs, took).write(options.out());
            logger.info("Results in {} (took {} s)", written, took.toSeconds());
        }
        finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                try {
                    toClose.get(i).close();
                }
                catch (Exception ex) {
                    logger.warn("Closing {} failed: {}", toClose.get(i), ex.toString());
                }
            }
        }
    }

    /** Starts the backend's server and lists its contenders and its P4 holders (renewed every third of expiry). */
    private BackendRun start(String backend, Path scratch, List<AutoCloseable> toClose) throws IOException {
        LockSettings renewing = SHERLOCK_SETTINGS.withExpire(options.heldExpire());
        switch (backend) {
            case "redis" -> {
                LocalServer redis = started(TestServers.REDIS, toClose);
                return run(backend, RedisContenders.server(redis), RedisContenders.all(redis), toClose,
                        holder(backend, Kind.SHERLOCK, "Sherlock", () -> RedisContenders.sherlock(redis, renewing)),
                        holder(backend, Kind.PEER, "Redisson RLock",
                                () -> RedisContenders.redisson(redis, options.heldExpire())));
            }
            case "memcached" -> {
                LocalServer memcached = started(TestServers.MEMCACHED, toClose);
                return run(backend, MemcachedContenders.server(memcached), MemcachedContenders.all(memcached),
                        toClose, holder(backend, Kind.SHERLOCK, "Sherlock",
                                () -> MemcachedContenders.sherlock(memcached, renewing)));
            }
            case "etcd" -> {
                LocalServer etcd = started(TestServers.ETCD, toClose);
                return run(backend, EtcdContenders.server(etcd), EtcdContenders.all(etcd), toClose,
                        holder(backend, Kind.SHERLOCK, "Sherlock", () -> EtcdContenders.sherlock(etcd, renewing)));
            }
            case "kubernetes" -> {
                LeaseApiServer leases = LeaseApiServer.start();
                return run(backend, KubernetesContenders.server(leases), KubernetesContenders.all(leases), toClose);
            }
            case "file" -> {
                Path directory = Files.createDirectories(scratch.resolve("file"));
                Path held = Files.createDirectories(scratch.resolve("held"));
                return run(backend, Server.none("local file system"), FileContenders.all(directory), toClose,
                        holder(backend, Kind.SHERLOCK, "Sherlock", () -> FileContenders.sherlock(held, renewing)));
            }
            default -> throw new IllegalArgumentException("Unknown backend '" + backend
                    + "': choose from redis, etcd, memcached, file, kubernetes");
        }
    }

    private static LocalServer started(LocalServer.Spec spec, List<AutoCloseable> toClose) {
        LocalServer server = LocalServer.start(spec);
        toClose.add(server);
        return server;
    }

    private static BackendRun run(String backend, Server server, List<Contender> contenders,
            List<AutoCloseable> toClose, Contender... holders) {
        toClose.add(server);
        return new BackendRun(backend, server, contenders, List.of(holders));
    }

    /** A P4 holder: it takes part in none of P1-P3. */
    private static Contender holder(String backend, Kind kind, String name, Contender.ClientFactory clients) {
        return new Contender(backend, name, kind, EnumSet.noneOf(Scenario.class), clients);
    }

    /** P1-P3 for every contender of the backend, taking turns within each repetition. */
    private void measure(BackendRun run) throws Exception {
        for (Contender contender : run.contenders) {
            logger.info("{} / {}: warming up", run.backend, contender.name());
            Scenarios.uncontended(contender, run.server, Duration.ofSeconds(1));
            run.results.put(contender, new Results());
        }
        for (int repetition = 1; repetition <= options.repetitions(); repetition++) {
            // A different first contender in each repetition, so none always runs on a freshly idle machine.
            List<Contender> order = new ArrayList<>(run.contenders);
            java.util.Collections.rotate(order, repetition - 1);
            for (Contender contender : order) {
                Results results = run.results.get(contender);
                logger.info("{} / {}: repetition {} of {}", run.backend, contender.name(), repetition,
                        options.repetitions());
                if (contender.takesPart(Scenario.UNCONTENDED)) {
                    results.uncontended.add(Scenarios.uncontended(contender, run.server, options.each()));
                }
                if (contender.takesPart(Scenario.HANDOFF)) {
                    results.handoffs.add(Scenarios.handoff(contender, options.handoffs()));
                }
                if (contender.takesPart(Scenario.CONTENDED)) {
                    results.contended.add(Scenarios.contended(contender, run.server, CLIENTS, options.each()));
                }
            }
        }
    }

    /** One backend's server, contenders and results. */
    static final class BackendRun {

        final String backend;

        final Server server;

        final List<Contender> contenders;

        final List<Contender> holders;

        final Map<Contender, Results> results = new LinkedHashMap<>();

        final Map<Contender, HeldLocks.Result> held = new LinkedHashMap<>();

        BackendRun(String backend, Server server, List<Contender> contenders, List<Contender> holders) {
            this.backend = backend;
            this.server = server;
            this.contenders = contenders;
            this.holders = holders;
        }

        Contender find(Kind kind, String name) {
            return contenders.stream().filter(c -> c.kind() == kind && (name == null || c.name().equals(name)))
                    .findFirst().orElse(null);
        }
    }

    /** One contender's repetitions. */
    static final class Results {

        final List<Scenarios.Uncontended> uncontended = new ArrayList<>();

        final List<Scenarios.Handoff> handoffs = new ArrayList<>();

        final List<Scenarios.Contended> contended = new ArrayList<>();
    }
}
