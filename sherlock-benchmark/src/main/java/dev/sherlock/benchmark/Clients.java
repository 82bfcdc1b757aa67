package dev.sherlock.benchmark;

import java.util.List;
import java.util.concurrent.locks.Lock;

import dev.sherlock.benchmark.Contender.Client;
import dev.sherlock.benchmark.Contender.Handle;

/** Small adapters from the libraries' lock types to the benchmark's {@link Client} and {@link Handle}. */
final class Clients {

    private Clients() {
    }

    /** Makes handles of a lock name. */
    @FunctionalInterface
    interface Handles {
        Handle handle(String name) throws Exception;
    }

    /**
     * A client making handles with {@code handles} and closing {@code closers} in order.
     * @param handles makes a handle of a name
     * @param closers what the client closes, first to last
     */
    static Client of(Handles handles, AutoCloseable... closers) {
        List<AutoCloseable> toClose = List.of(closers);
        return new Client() {
            @Override
            public Handle handle(String name) throws Exception {
                return handles.handle(name);
            }

            @Override
            public void close() throws Exception {
                for (AutoCloseable closer : toClose) {
                    closer.close();
                }
            }
        };
    }

    /** A {@code java.util.concurrent.locks.Lock}'s {@code lock()} and {@code unlock()}. */
    static Handle handle(Lock lock) {
        return new Handle() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public void unlock() {
                lock.unlock();
            }
        };
    }

    /** A Sherlock lock's {@code acquire()} (within the registry's timeout) and {@code release()}. */
    static Handle sherlock(dev.sherlock.Lock lock) {
        return new Handle() {
            @Override
            public void lock() {
                lock.acquire();
            }

            @Override
            public void unlock() {
                lock.release();
            }
        };
    }
}
