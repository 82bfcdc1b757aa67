package dev.sherlock.benchmark;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sherlock.memcached.MemcachedBackend;
import dev.sherlock.spi.AcquireResult;
import dev.sherlock.spi.LockBackend;
import dev.sherlock.testserver.LocalServer;
import dev.sherlock.testserver.TestServers;
import net.spy.memcached.MemcachedClient;
import org.jspecify.annotations.Nullable;

/**
 * Memcached backend against the naive scheme py-sherlock 0.4.1 and ShedLock use ({@code add}, then {@code get} and
 * an unconditional {@code delete}; no owner check on the server, no fencing token), in one run on one memcached
 * started here. Every handle gets its own client, as separate processes would. Run with:
 * <pre>
 * ./scripts/benchmark.sh dev.sherlock.benchmark.MemcachedBenchmark [seconds per measurement]
 * </pre>
 */
public final class MemcachedBenchmark {

    private MemcachedBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        LocalServer server = TestServers.memcached();
        String servers = server.host() + ":" + server.port();
        Duration each = Duration.ofSeconds(args.length > 0 ? Integer.parseInt(args[0]) : 5);
        System.out.printf("machine: %d cores, %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("java.version"));
        for (String line : new LockBenchmark("memcached (sherlock)", () -> MemcachedBackend.builder().servers(servers).build())
                .run(each)) {
            System.out.println(line);
        }
        for (String line : new LockBenchmark("memcached (naive add/delete)",
                () -> new Naive(MemcachedBackend.createClient(servers))).run(each)) {
            System.out.println(line);
        }
        server.close();
    }

    /** py-sherlock's and ShedLock's scheme, as a baseline: two round trips per pair, and the races they have. */
    private record Naive(MemcachedClient client) implements LockBackend {

        @Override
        public String name() {
            return "memcached-naive";
        }

        @Override
        public String key(@Nullable String namespace, String name) {
            return namespace == null ? name : namespace + "_" + name;
        }

        @Override
        public AcquireResult tryAcquire(String key, String owner, @Nullable Duration expire) {
            int exptime = expire == null ? 0 : (int) Math.max(1, expire.toSeconds());
            return get(client.add(key, exptime, owner)) ? AcquireResult.acquired(1) : AcquireResult.held(null, 0);
        }

        @Override
        public boolean release(String key, String owner) {
            // Unconditional delete, as ShedLock does; py-sherlock reads and compares first (one more round trip).
            return get(client.delete(key));
        }

        @Override
        public boolean renew(String key, String owner, @Nullable Duration expire) {
            int exptime = expire == null ? 0 : (int) Math.max(1, expire.toSeconds());
            return get(client.touch(key, exptime));
        }

        @Override
        public boolean isLocked(String key) {
            return client.get(key) != null;
        }

        private static boolean get(java.util.concurrent.Future<Boolean> future) {
            try {
                return future.get(5, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
            catch (ExecutionException | TimeoutException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }
}
