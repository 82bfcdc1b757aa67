package dev.sherlock.etcd;

import dev.sherlock.spi.ClientBackendFactory;
import dev.sherlock.spi.LockBackend;

/**
 * The etcd backend for a {@code Client} handed to {@code Sherlock.configure(client)}.
 *
 * @since 0.1.0
 */
public final class EtcdBackendFactory extends ClientBackendFactory {

    /** Creates the factory; {@link java.util.ServiceLoader} calls this. */
    public EtcdBackendFactory() {
        super("io.etcd.jetcd.Client", "a jetcd Client (etcd)");
    }

    @Override
    protected LockBackend create(Object client) {
        return EtcdBackend.of((io.etcd.jetcd.Client) client);
    }
}
