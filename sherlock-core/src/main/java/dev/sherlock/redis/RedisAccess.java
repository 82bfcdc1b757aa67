package dev.sherlock.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** Tells a refusal from an unreachable server in the failure of {@link RedisBackend#checkAccess}'s probe. */
final class RedisAccess {

    private static final Logger logger = LoggerFactory.getLogger(RedisAccess.class);

    /** The name of the lock whose keys the check reads. */
    static final String PROBE_NAME = "sherlock-access-probe";

    private RedisAccess() {
    }

    /**
     * How long the check waits for Redis: Lettuce's command timeout (60 s unless configured) would hold up startup
     * for a server that accepts connections but does not answer.
     */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /**
     * Runs the probe on a thread of its own and waits for it at most {@link #TIMEOUT}; the thread ends with the
     * client's own timeout.
     * @throws dev.sherlock.LockConfigurationException if Redis refused
     */
    static void check(Runnable probe, RedisConnectionFactory factory, String key) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                probe.run();
                answer.complete(null);
            }
            catch (Throwable ex) {
                answer.completeExceptionally(ex);
            }
        }, "sherlock-redis-access-check");
        thread.setDaemon(true);
        thread.start();
        try {
            answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException ex) {
            logger.warn("Backend redis: could not check access to {} (no answer within {} ms); starting anyway, locks"
                    + " will fail until Redis answers", describe(factory), TIMEOUT.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new dev.sherlock.LockConfigurationException("Backend redis: interrupted while checking access to "
                    + describe(factory), ex);
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof Error error) {
                throw error;
            }
            failed(ex.getCause() instanceof RuntimeException runtime ? runtime : new RuntimeException(ex.getCause()),
                    factory, key);
        }
    }

    /**
     * Throws what Redis refused, or logs a warning if the failure is no refusal (the server is down or slow).
     * @throws dev.sherlock.LockConfigurationException for a refusal
     */
    static void failed(RuntimeException failure, RedisConnectionFactory factory, String key) {
        String refusal = refusal(failure, key);
        String where = describe(factory);
        if (refusal == null) {
            logger.warn("Backend redis: could not check access to {} ({}); starting anyway, locks will fail until"
                    + " Redis answers", where, failure.toString());
            logger.debug("Backend redis: access check failure", failure);
            return;
        }
        throw new dev.sherlock.LockConfigurationException("Backend redis at " + where + " refused the connection: "
                + refusal + ". No lock can be taken until this is fixed", failure);
    }

    static @Nullable String refusal(Throwable failure, String key) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("WRONGPASS")) {
                return "authentication failed (" + message.strip() + "): check spring.data.redis.username and"
                        + " password";
            }
            if (message.contains("NOAUTH")) {
                return "Redis requires authentication and none was given: set spring.data.redis.username and"
                        + " password";
            }
            if (message.contains("NOPERM") || message.contains("The user executing the script can't")) {
                return "the Redis user lacks a permission locks need (" + message.strip() + "). It needs the"
                        + " commands, the keys (here '" + key + "' and its companions under '"
                        + RedisKeys.companionPrefix(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        + "') and the release channel listed in docs/redis.md (Permissions)";
            }
        }
        return null;
    }

    /** The server, for messages: host and port of a standalone Lettuce factory, else the factory's type. */
    static String describe(RedisConnectionFactory factory) {
        if (factory instanceof LettuceConnectionFactory lettuce && lettuce.getSentinelConfiguration() == null
                && lettuce.getClusterConfiguration() == null) {
            return lettuce.getHostName() + ":" + lettuce.getPort();
        }
        return factory.getClass().getSimpleName();
    }
}
