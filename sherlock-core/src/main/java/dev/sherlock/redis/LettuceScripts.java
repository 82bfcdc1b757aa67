package dev.sherlock.redis;

import java.util.ArrayList;
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

    /** Whether the factory connects to a single server (standalone, or the master Sentinel names), not a cluster. */
    private final boolean oneServer;

    private LettuceScripts(LettuceConnectionFactory connectionFactory) {
        this.connectionFactory = connectionFactory;
        this.timeoutNanos = connectionFactory.getClientConfiguration().getCommandTimeout().toNanos();
        this.oneServer = !connectionFactory.isClusterAware();
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
     * answers in order; a script the server lost is sent again with EVAL.
     */
    List<@Nullable Object> evalAll(RedisScriptingAsyncCommands<byte[], byte[]> commands, RedisScript<?> script,
            ReturnType type, List<byte[][]> keys, List<byte[][]> args) {
        ScriptOutputType output = type == ReturnType.MULTI ? ScriptOutputType.MULTI : ScriptOutputType.INTEGER;
        try {
            List<RedisFuture<Object>> sent = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                sent.add(commands.evalsha(script.getSha1(), output, keys.get(i), args.get(i)));
            }
            List<@Nullable Object> answers = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                try {
                    answers.add(await(sent.get(i)));
                }
                catch (RuntimeException ex) {
                    if (!ScriptRunner.isNoScript(ex)) {
                        throw ex;
                    }
                    answers.add(await(commands.eval(script.getScriptAsString(), output, keys.get(i), args.get(i))));
                }
            }
            return answers;
        }
        catch (RuntimeException ex) {
            DataAccessException translated = connectionFactory.translateExceptionIfPossible(ex);
            throw translated != null ? translated : ex;
        }
    }

    private <T> T await(RedisFuture<T> future) {
        return LettuceFutures.awaitOrCancel(future, timeoutNanos, TimeUnit.NANOSECONDS);
    }
}
