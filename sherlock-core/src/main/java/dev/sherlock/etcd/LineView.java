package dev.sherlock.etcd;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one backend knows of the lines of waiters in the namespaces it takes locks in: one watch per namespace on the
 * range of its line entries, started when the backend first takes a lock there, so a release can hand the lock to
 * the waiter longest in line without first asking etcd who that is. The knowledge may lag a watch event behind: the
 * release's transaction checks that the entry it chose is unchanged, and releases plainly otherwise. Until a
 * namespace's watch has started, and after it broke, it knows of no waiter there.
 */
final class LineView implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(LineView.class);

    /**
     * One waiter's line entry.
     * @param owner the waiter's owner token
     * @param createRevision when it joined the line: the earliest is served first
     * @param modRevision the entry's last write, which the release's transaction compares
     * @param lease the lease it lives on, which the lock is handed over on
     */
    record Entry(String owner, long createRevision, long modRevision, long lease) {
    }

    private final KV kv;

    private final Watch watchClient;

    private final ConcurrentMap<String, Namespace> namespaces = new ConcurrentHashMap<>();

    private volatile boolean closed;

    LineView(KV kv, Watch watchClient) {
        this.kv = kv;
        this.watchClient = watchClient;
    }

    /** Starts following the lines of {@code key}'s namespace, if not yet; returns at once. */
    void follow(String key) {
        String root = EtcdKeys.lineRoot(key);
        if (root == null || closed || namespaces.containsKey(root)) {
            return;
        }
        Namespace created = new Namespace(root);
        if (namespaces.putIfAbsent(root, created) == null) {
            created.start();
        }
    }

    /** The entry of the waiter longest in line for {@code key}, but {@code except}; {@code null} if none is known. */
    @Nullable Entry head(String key, String except) {
        Namespace namespace = namespaceOf(key);
        return namespace == null ? null : namespace.head(key, except);
    }

    /** Whether anybody is known to stand in line for {@code key}. */
    boolean hasWaiters(String key) {
        Namespace namespace = namespaceOf(key);
        return namespace != null && namespace.hasWaiters(key);
    }

    private @Nullable Namespace namespaceOf(String key) {
        String root = EtcdKeys.lineRoot(key);
        return root == null ? null : namespaces.get(root);
    }

    @Override
    public void close() {
        closed = true;
        List<Namespace> open = new ArrayList<>(namespaces.values());
        namespaces.clear();
        open.forEach(Namespace::close);
    }

    /** The line entries of one namespace: read once, then followed by a watch from the read's revision on. */
    private final class Namespace implements Watch.Listener {

        private final String root;

        /** Lock key to its waiters by owner; guarded by this. */
        private final Map<String, Map<String, Entry>> lines = new HashMap<>();

        private boolean synced;

        private boolean ended;

        private Watch.@Nullable Watcher watcher;

        Namespace(String root) {
            this.root = root;
        }

        void start() {
            ByteSequence from = bytes(root);
            GetOption range = GetOption.builder().withRange(bytes(EtcdKeys.lineEnd(root))).build();
            kv.get(from, range).whenComplete((read, failure) -> {
                if (failure != null) {
                    logger.debug("Backend etcd: cannot read the lines at '{}'; releases there hand nothing over",
                            root, failure);
                    // Dropped, so the next acquisition tries again.
                    namespaces.remove(root, this);
                    return;
                }
                synchronized (this) {
                    for (KeyValue entry : read.getKvs()) {
                        put(entry);
                    }
                }
                // Not on jetcd's callback thread: creating a watch takes jetcd's own locks.
                EtcdTimers.schedule(() -> watchFrom(read.getHeader().getRevision() + 1), 0);
            });
        }

        private void watchFrom(long revision) {
            WatchOption option = WatchOption.builder().withRange(bytes(EtcdKeys.lineEnd(root)))
                    .withRevision(revision).build();
            Watch.Watcher created;
            try {
                created = watchClient.watch(bytes(root), option, this);
            }
            catch (RuntimeException ex) {
                logger.debug("Backend etcd: cannot watch the lines at '{}'; releases there hand nothing over", root,
                        ex);
                end();
                return;
            }
            boolean closeNow;
            synchronized (this) {
                closeNow = ended;
                if (!ended) {
                    watcher = created;
                    synced = true;
                }
            }
            if (closeNow) {
                created.close();
            }
        }

        synchronized @Nullable Entry head(String key, String except) {
            Map<String, Entry> line = synced ? lines.get(key) : null;
            Entry first = null;
            if (line != null) {
                for (Entry entry : line.values()) {
                    // An entry on no lease is nobody's of ours (a handed lock would never expire): skipped.
                    if (!entry.owner().equals(except) && entry.lease() != 0
                            && (first == null || entry.createRevision() < first.createRevision())) {
                        first = entry;
                    }
                }
            }
            return first;
        }

        synchronized boolean hasWaiters(String key) {
            return synced && lines.containsKey(key);
        }

        @Override
        public void onNext(WatchResponse response) {
            synchronized (this) {
                for (WatchEvent event : response.getEvents()) {
                    if (event.getEventType() == WatchEvent.EventType.PUT) {
                        put(event.getKeyValue());
                    }
                    else if (event.getEventType() == WatchEvent.EventType.DELETE) {
                        String[] parsed = EtcdKeys.parseLineEntry(root, text(event.getKeyValue().getKey()));
                        if (parsed != null) {
                            remove(parsed);
                        }
                    }
                }
            }
        }

        /**
         * Records an entry; called holding this. Only an empty key on a lease is a line entry: a lock key of another
         * form that falls in the range has a value (its owner token).
         */
        private void put(KeyValue kv) {
            String[] parsed = EtcdKeys.parseLineEntry(root, text(kv.getKey()));
            if (parsed == null) {
                return;
            }
            if (kv.getValue().isEmpty() && kv.getLease() != 0) {
                lines.computeIfAbsent(parsed[0], key -> new HashMap<>()).put(parsed[1],
                        new Entry(parsed[1], kv.getCreateRevision(), kv.getModRevision(), kv.getLease()));
            }
            else {
                remove(parsed);
            }
        }

        /** Forgets an entry; called holding this. */
        private void remove(String[] parsed) {
            Map<String, Entry> line = lines.get(parsed[0]);
            if (line != null && line.remove(parsed[1]) != null && line.isEmpty()) {
                lines.remove(parsed[0]);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            logger.debug("Backend etcd: the watch on the lines at '{}' broke; following them anew", root, throwable);
            end();
        }

        @Override
        public void onCompleted() {
            end();
        }

        /** Forgets what it knew and lets the next acquisition in the namespace follow it anew. */
        private void end() {
            synchronized (this) {
                synced = false;
                lines.clear();
            }
            namespaces.remove(root, this);
            EtcdTimers.schedule(this::close, 0);
        }

        void close() {
            Watch.Watcher current;
            synchronized (this) {
                ended = true;
                synced = false;
                current = watcher;
                watcher = null;
            }
            if (current != null) {
                current.close();
            }
        }
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
