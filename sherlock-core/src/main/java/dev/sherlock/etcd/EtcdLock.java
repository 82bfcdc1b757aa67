package dev.sherlock.etcd;

import dev.sherlock.BackendLock;
import dev.sherlock.LockSettings;
import io.etcd.jetcd.Client;
import org.jspecify.annotations.Nullable;

/**
 * A lock in etcd (py-sherlock's {@code EtcdLock}): a key bound to a lease, taken by a create-if-absent transaction,
 * with the key's create revision as fencing token. Each handle is independent: two handles of one name contend as
 * two processes do.
 *
 * <pre>{@code
 * Client client = Client.builder().endpoints("http://etcd-0:2379").build();
 * try (EtcdLock lock = new EtcdLock("orders", client)) {
 *     lock.acquire();
 *     ...
 * }
 * }</pre>
 *
 * <p>Handles made from a {@link Client} share nothing with each other and leave the client open; their key watches
 * close a few seconds after the last wait and their spare leases are revoked after 10 s unused. To share watches and
 * spare leases between many handles, create one {@link EtcdBackend} and pass it.
 *
 * @see EtcdBackend
 * @since 0.1.0
 */
public class EtcdLock extends BackendLock {

    /**
     * Creates a handle with the default settings and no namespace.
     * @param name the lock's name
     * @param client the jetcd client; left open
     */
    public EtcdLock(String name, Client client) {
        this(name, client, null, LockSettings.defaults());
    }

    /**
     * Creates a handle.
     * @param name the lock's name
     * @param client the jetcd client; left open
     * @param namespace prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     */
    public EtcdLock(String name, Client client, @Nullable String namespace, LockSettings settings) {
        this(name, EtcdBackend.of(client), namespace, settings);
    }

    /**
     * Creates a handle on a shared backend.
     * @param name the lock's name
     * @param backend the etcd backend
     * @param namespace prefix of the name, or {@code null} for none
     * @param settings expiry, timeout, retry interval and renewal
     */
    public EtcdLock(String name, EtcdBackend backend, @Nullable String namespace, LockSettings settings) {
        super(name, backend, namespace, settings);
    }
}
