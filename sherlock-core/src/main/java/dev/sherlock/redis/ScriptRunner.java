package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.sherlock.spi.StoreException;
import org.jspecify.annotations.Nullable;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runs the backend's scripts on a lock key and its companion keys (all in one cluster slot), by SHA-1 with a fallback
 * to the full text on {@code NOSCRIPT}: on Lettuce's native API when the factory is Lettuce's, else through Spring
 * Data Redis's connection API (Jedis and any other client).
 */
final class ScriptRunner {

    private static final boolean lettucePresent = isPresent("io.lettuce.core.api.async.RedisScriptingAsyncCommands");

    private final RedisConnectionFactory connectionFactory;

    /** Lettuce's native path, or {@code null} for other clients. */
    private final @Nullable LettuceScripts lettuce;

    ScriptRunner(RedisConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
        this.lettuce = lettucePresent ? LettuceScripts.forFactory(connectionFactory) : null;
    }

    /** Whether {@link #evalAll} pipelines the scripts on one connection to a single server (Lettuce, no cluster). */
    boolean pipelinesToOneServer() {
        return lettuce != null && lettuce.oneServer();
    }

    /**
     * Runs the script with KEYS = lock key, fence key, waiting key, released key and the given ARGV.
     * @throws StoreException if the client or the server failed
     */
    <T> T eval(String operation, RedisScript<?> script, ReturnType type, String key, byte[]... args) {
        return StoreException.guard("redis", operation, key, () -> evalUnchecked(script, type, key, args));
    }

    /**
     * Runs the script once for each key, with that key's ARGV, and returns the answers in order: pipelined on one
     * connection with Lettuce, one after the other with other clients.
     * @throws StoreException if the client or the server failed; then no answer is known
     */
    List<@Nullable Object> evalAll(String operation, RedisScript<?> script, ReturnType type, List<String> keys,
            List<byte[][]> args) {
        String described = keys.size() + " keys ('" + keys.get(0) + "'" + (keys.size() > 1 ? ", ..." : "") + ")";
        return StoreException.guard("redis", operation, described, () -> {
            try (RedisConnection connection = connectionFactory.getConnection()) {
                if (lettuce != null) {
                    var commands = lettuce.commands(connection);
                    if (commands != null) {
                        List<byte[][]> keySets = new ArrayList<>(keys.size());
                        for (String key : keys) {
                            keySets.add(keys(key));
                        }
                        return lettuce.evalAll(commands, script, type, keySets, args);
                    }
                }
            }
            List<@Nullable Object> answers = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                answers.add(evalUnchecked(script, type, keys.get(i), args.get(i)));
            }
            return answers;
        });
    }

    /** KEYS of every script: the lock key, its fence, waiting and released keys, in one cluster slot. */
    private static byte[][] keys(String key) {
        byte[] lockKey = key.getBytes(StandardCharsets.UTF_8);
        String companion = RedisKeys.companionPrefix(lockKey);
        return new byte[][] {lockKey, bytes(companion + RedisKeys.FENCE + key),
            bytes(companion + RedisKeys.WAITERS + key), bytes(companion + RedisKeys.RELEASED + key)};
    }

    @SuppressWarnings("unchecked")
    private <T> T evalUnchecked(RedisScript<?> script, ReturnType type, String key, byte[]... args) {
        byte[][] keys = keys(key);
        try (RedisConnection connection = connectionFactory.getConnection()) {
            if (lettuce != null) {
                var commands = lettuce.commands(connection);
                if (commands != null) {
                    return (T) lettuce.eval(commands, script, type, keys, args);
                }
            }
            byte[][] keysAndArgs = new byte[keys.length + args.length][];
            System.arraycopy(keys, 0, keysAndArgs, 0, keys.length);
            System.arraycopy(args, 0, keysAndArgs, keys.length, args.length);
            try {
                return (T) connection.scriptingCommands().evalSha(script.getSha1(), type, keys.length, keysAndArgs);
            }
            catch (RuntimeException ex) {
                if (!isNoScript(ex)) {
                    throw ex;
                }
                // First use on this server (or after SCRIPT FLUSH or a restart): EVAL also caches it there.
                return (T) connection.scriptingCommands().eval(bytes(script.getScriptAsString()), type, keys.length,
                        keysAndArgs);
            }
        }
    }

    static boolean isNoScript(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && message.contains("NOSCRIPT")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, ScriptRunner.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException | LinkageError ex) {
            return false;
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
