package dev.sherlock.memcached;

import java.io.IOException;

import net.spy.memcached.AddrUtil;
import net.spy.memcached.BinaryConnectionFactory;
import net.spy.memcached.CASResponse;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.OperationFuture;
import net.spy.memcached.transcoders.Transcoder;

/**
 * A binary client that runs a step once, right before the next operation of a given kind is sent: it puts another
 * process's actions (an expiry, a takeover) between the steps of an acquire, release or renew.
 */
final class InterleavingClient extends MemcachedClient implements AutoCloseable {

    /** Where a step can be put. */
    enum Before {
        /** The fencing counter's {@code incr}, between an acquire's {@code add} and its {@code gets}. */
        INCR,
        /** The CAS-checked {@code delete} of a release, after its {@code gets}. */
        DELETE,
        /** The CAS-checked update of a renew, after its {@code gets}. */
        CAS
    }

    /** Something another process does. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private volatile Before where;

    private volatile Step step;

    private volatile boolean ran;

    InterleavingClient(String servers) throws IOException {
        super(new BinaryConnectionFactory(), AddrUtil.getAddresses(servers));
    }

    void before(Before where, Step step) {
        this.ran = false;
        this.where = where;
        this.step = step;
    }

    boolean ran() {
        return ran;
    }

    private void runIf(Before operation) {
        Step pending = step;
        if (where == operation && pending != null) {
            step = null;
            try {
                pending.run();
            }
            catch (Exception ex) {
                throw new IllegalStateException("the step before " + operation + " failed", ex);
            }
            ran = true;
        }
    }

    @Override
    public OperationFuture<Long> asyncIncr(String key, int by, long def, int exp) {
        return asyncIncr(key, (long) by, def, exp);
    }

    @Override
    public OperationFuture<Long> asyncIncr(String key, long by, long def, int exp) {
        runIf(Before.INCR);
        return super.asyncIncr(key, by, def, exp);
    }

    @Override
    public OperationFuture<Boolean> delete(String key, long cas) {
        runIf(Before.DELETE);
        return super.delete(key, cas);
    }

    @Override
    public <T> OperationFuture<CASResponse> asyncCAS(String key, long casId, int exp, T value, Transcoder<T> tc) {
        runIf(Before.CAS);
        return super.asyncCAS(key, casId, exp, value, tc);
    }

    @Override
    public void close() {
        shutdown();
    }
}
