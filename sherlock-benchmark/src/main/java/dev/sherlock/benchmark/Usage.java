package dev.sherlock.benchmark;

import java.lang.management.ManagementFactory;

/**
 * What a measurement cost besides time: CPU of the benchmark's JVM and of the server, in percent of one core, and
 * the requests the server handled per operation.
 *
 * @param clientCpu the JVM's CPU use, percent of one core
 * @param serverCpu the server's CPU use, percent of one core, or {@code NaN} without a server
 * @param requestsPerOperation server requests per lock operation (an acquire + release pair), or {@code NaN}
 * @param readsPerOperation server socket reads (round trips) per lock operation, or {@code NaN} where not counted
 */
record Usage(double clientCpu, double serverCpu, double requestsPerOperation, double readsPerOperation) {

    /** The counters at the start of a measurement. */
    static final class Start {

        private final Server server;

        private final long wall = System.nanoTime();

        private final long client = clientCpuNanos();

        private final long serverCpu;

        private final long requests;

        private final long reads;

        Start(Server server) {
            this.server = server;
            this.serverCpu = server.cpuNanos();
            this.requests = server.requests();
            this.reads = server.reads();
        }

        /** The usage from the start until now, for {@code operations} operations. */
        Usage end(long operations) {
            long elapsed = System.nanoTime() - wall;
            long serverNow = server.cpuNanos();
            long requestsNow = server.requests();
            long readsNow = server.reads();
            return new Usage(100.0 * (clientCpuNanos() - client) / elapsed,
                    serverCpu < 0 || serverNow < 0 ? Double.NaN : 100.0 * (serverNow - serverCpu) / elapsed,
                    perOperation(requests, requestsNow, operations), perOperation(reads, readsNow, operations));
        }

        private static double perOperation(long before, long now, long operations) {
            return before < 0 || now < 0 || operations == 0 ? Double.NaN : (double) (now - before) / operations;
        }
    }

    private static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
