package dev.sherlock.etcd;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sherlock.spi.DaemonThreads;

/**
 * One daemon thread for the housekeeping of every etcd backend of the JVM: closing idle key watches and revoking
 * spare leases nobody used. It ends a second after the last pending task, so no thread outlives the backends.
 */
final class EtcdTimers {

    private static final ScheduledThreadPoolExecutor executor = create();

    private EtcdTimers() {
    }

    static ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    private static ScheduledThreadPoolExecutor create() {
        ScheduledThreadPoolExecutor created = new ScheduledThreadPoolExecutor(1, new DaemonThreads("sherlock-etcd"));
        created.setRemoveOnCancelPolicy(true);
        created.setKeepAliveTime(1, TimeUnit.SECONDS);
        created.allowCoreThreadTimeOut(true);
        return created;
    }
}
