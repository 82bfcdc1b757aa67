package dev.sherlock.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The server of one backend as the benchmark sees it: its process, for CPU time, and its own count of the requests
 * it handled, so each figure comes with the server-side cost per operation.
 */
interface Server extends AutoCloseable {

    /** The clock ticks per second of /proc/[pid]/stat on Linux. */
    long TICKS_PER_SECOND = 100;

    /**
     * The server's name and version, for the report.
     * @return e.g. {@code "redis-server 7.0.15"}
     */
    String describe();

    /**
     * The server process's CPU time (user + system), or {@code -1} if unknown.
     * @return nanoseconds
     */
    long cpuNanos();

    /**
     * The requests the server handled so far, by its own statistics, or {@code -1} if it keeps none.
     * @return the count
     */
    long requests();

    /**
     * The socket reads the server has handled so far, which counts round trips (requests pipelined together arrive in
     * one read), without the ones of these counters; {@code -1} if the server does not count them.
     * @return the count, or -1
     */
    default long reads() {
        return -1;
    }

    @Override
    void close();

    /** The CPU time of process {@code pid} from /proc, or {@code -1}. */
    static long cpuNanosOf(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command may contain spaces and parentheses: fields are counted after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * 1_000_000_000L / TICKS_PER_SECOND;
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }

    /** No server: the file backend. */
    static Server none(String describe) {
        return new Server() {
            @Override
            public String describe() {
                return describe;
            }

            @Override
            public long cpuNanos() {
                return -1;
            }

            @Override
            public long requests() {
                return -1;
            }

            @Override
            public void close() {
            }
        };
    }
}
