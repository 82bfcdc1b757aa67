package dev.sherlock.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.ReturnType;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Runs the backend's scripts on Lettuce's own asynchronous API when the connection factory is Lettuce's, on the
 * native connection that Spring Data Redis hands out (shared or pooled, standalone, Sentinel or Cluster).
 *
 * <p>Spring Data Redis's command layer adds some 15 µs of conversion and bookkeeping per command, a third of a
 * loopback round trip; the hot path skips it. Errors are translated by the factory exactly as Spring Data Redis
 * would, and commands time out after the factory's command timeout. This class is only loaded when Lettuce is on the
 * class path; other clients (Jedis) go through Spring Data Redis's connection API.
 */
final class LettuceScripts {

    private final RedisConnectionFactory connectionFactory;

    private final long timeoutNanos;

    /**
     * Whether the scripts go on one shared connection to a single server (standalone, or the master Sentinel names):
     * not a cluster, and not a connection of their own from a pool for each call.
     */
    private final boolean oneServer;

    private LettuceScripts(LettuceConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
        this.timeoutNanos = connectionFactory.getClientConfiguration().getCommandTimeout().toNanos();
        this.oneServer = !connectionFactory.isClusterAware() && connectionFactory.getShareNativeConnection();
    }

    boolean oneServer() {
        return oneServer;
    }

    static @Nullable LettuceScripts forFactory(RedisConnectionFactory connectionFactory) {
        return connectionFactory instanceof LettuceConnectionFactory lettuce ? new LettuceScripts(lettuce) : null;
    }

    /** The connection's native scripting commands, or {@code null} if it has none. */
    @SuppressWarnings("unchecked")
    @Nullable RedisScriptingAsyncCommands<byte[], byte[]> commands(RedisConnection connection) {
        return connection.getNativeConnection() instanceof RedisScriptingAsyncCommands<?, ?> commands
                ? (RedisScriptingAsyncCommands<byte[], byte[]>) commands : null;
    }

    @Nullable Object eval(RedisScriptingAsyncCommands<byte[], byte[]> commands, RedisScript<?> script, ReturnType type,
            byte[][] keys, byte[][] args) {
        ScriptOutputType output = type == ReturnType.MULTI ? ScriptOutputType.MULTI : ScriptOutputType.INTEGER;
        try {
            try {
                return await(commands.evalsha(script.getSha1(), output, keys, args));
            }
            catch (RuntimeException ex) {
                if (!ScriptRunner.isNoScript(ex)) {
                    throw ex;
                }
                return await(commands.eval(script.getScriptAsString(), output, keys, args));
            }
        }
        catch (RuntimeException ex) {
            DataAccessException translated = connectionFactory.translateExceptionIfPossible(ex);
            throw translated != null ? translated : ex;
        }
    }

    /**
     * Sends the script for every key set at once (Lettuce pipelines them on the connection), then collects the
     * answers in order. If the server lost the script (a restart, a failover, {@code SCRIPT FLUSH}), it is loaded
     * once and the rest are sent again together, so a batch never waits for one script after the other.
     */
    List<@Nullable Object> evalAll(RedisScriptingAsyncCommands<byte[], byte[]> commands, RedisScript<?> script,
            ReturnType type, List<byte[][]> keys, List<byte[][]> args) {
        ScriptOutputType output = type == ReturnType.MULTI ? ScriptOutputType.MULTI : ScriptOutputType.INTEGER;
        try {
            List<@Nullable RedisFuture<Object>> sent = sendAll(commands, script, output, keys, args, 0);
            List<@Nullable Object> answers = new ArrayList<>(keys.size());
            boolean loaded = false;
            for (int i = 0; i < keys.size(); i++) {
                try {
                    answers.add(await(sent.get(i)));
                }
                catch (RuntimeException ex) {
                    if (loaded || !ScriptRunner.isNoScript(ex)) {
                        throw ex;
                    }
                    await(commands.scriptLoad(script.getScriptAsString().getBytes(StandardCharsets.UTF_8)));
                    loaded = true;
                    sent = sendAll(commands, script, output, keys, args, i);
                    answers.add(await(sent.get(i)));
                }
            }
            return answers;
        }
        catch (RuntimeException ex) {
            DataAccessException translated = connectionFactory.translateExceptionIfPossible(ex);
            throw translated != null ? translated : ex;
        }
    }

    /** Sends the scripts of key sets {@code from} on, pipelined; the list has a place for every key set. */
    private static List<@Nullable RedisFuture<Object>> sendAll(RedisScriptingAsyncCommands<byte[], byte[]> commands,
            RedisScript<?> script, ScriptOutputType output, List<byte[][]> keys, List<byte[][]> args, int from) {
        List<@Nullable RedisFuture<Object>> sent = new ArrayList<>(Collections.nCopies(keys.size(), null));
        for (int i = from; i < keys.size(); i++) {
            sent.set(i, commands.evalsha(script.getSha1(), output, keys.get(i), args.get(i)));
        }
        return sent;
    }

    private <T> T await(RedisFuture<T> future) {
        return LettuceFutures.awaitOrCancel(future, timeoutNanos, TimeUnit.NANOSECONDS);
    }
}
