package dev.sherlock.spi;

import java.util.function.Supplier;

import dev.sherlock.LockException;
import org.jspecify.annotations.Nullable;

/**
 * The store failed to carry out a backend call: it was unreachable, timed out, or answered with an error.
 *
 * <p>The one exception a backend throws for a failure of its store, with the client library's exception as the
 * cause. Its message says what failed in the store's terms (the operation and the key, e.g. {@code "'delete' of
 * key 'billing_orders' timed out after 2500 ms"}); the core adds the lock's name, backend and namespace and the
 * consequence when it reports the failure to the caller as a {@code LockBackendException}. The core treats it as
 * possibly transient: it retries within the caller's timeout. Configuration errors a backend finds are
 * {@code LockConfigurationException}s instead, which the core never retries.
 *
 * @since 0.1.0
 */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     * @param message what failed, in the store's terms: the operation and the key
     */
    public StoreException(String message) {
        super(message);
    }

    /**
     * Creates the exception with the client library's exception.
     * @param message what failed, in the store's terms: the operation and the key
     * @param cause the client library's exception
     */
    public StoreException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /**
     * Runs a backend call, so that nothing but a {@code StoreException}, a {@code LockException} or a programming
     * error leaves it: any other exception of the client library becomes a {@code StoreException} "{@code <store>
     * '<operation>' of key '<key>' failed: <exception>}". A programming error ({@link #isProgrammingError}) leaves
     * as it is, so the core fails at once instead of retrying what cannot succeed.
     * @param store the store, e.g. {@code "memcached"}
     * @param operation the SPI operation, e.g. {@code "acquire"}
     * @param key the lock's key
     * @param call the call
     * @param <T> what the call returns
     * @return what the call returned
     */
    public static <T> T guard(String store, String operation, String key, Supplier<T> call) {
        try {
            return call.get();
        }
        catch (StoreException | LockException ex) {
            throw ex;
        }
        catch (RuntimeException ex) {
            if (isProgrammingError(ex)) {
                throw ex;
            }
            throw new StoreException(store + " '" + operation + "' of key '" + key + "' failed: " + ex, ex);
        }
    }

    /**
     * Whether {@code ex} is a programming error rather than a failure of the store: an
     * {@code IllegalArgumentException} (e.g. a key the store refuses), a {@code NullPointerException}, a
     * {@code ClassCastException} or an {@code UnsupportedOperationException}. Retrying cannot help; the core
     * reports it at once.
     * @param ex the exception
     * @return {@code true} for a programming error
     */
    public static boolean isProgrammingError(RuntimeException ex) {
        return ex instanceof IllegalArgumentException || ex instanceof NullPointerException
                || ex instanceof ClassCastException || ex instanceof UnsupportedOperationException;
    }
}
