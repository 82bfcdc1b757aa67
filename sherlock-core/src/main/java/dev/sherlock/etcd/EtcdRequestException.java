package dev.sherlock.etcd;

import java.io.Serial;

import org.jspecify.annotations.Nullable;

/**
 * An etcd request failed or got no answer in time. The core wraps it into a {@code LockBackendException} that names
 * the lock; this message names the request and the key.
 */
final class EtcdRequestException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    EtcdRequestException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
