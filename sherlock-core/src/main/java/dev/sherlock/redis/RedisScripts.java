package dev.sherlock.redis;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of a {@link RedisBackend}: every change to a lock is one of them, so it is atomic. Each runs on the
 * lock key and its companion keys, all in one cluster slot ({@link RedisKeys}).
 *
 * <p>The fence key holds the fencing counter, then the owner tokens of the lock's last
 * {@value #REMEMBERED_RELEASES} releases, space-separated: {@code <counter>[ <owner>...]}. Owner tokens contain no
 * spaces. Reading the owners costs no extra command: they ride on the counter's {@code GET} and {@code SET}.
 */
final class RedisScripts {

    /** How many of the last releases of a lock its fence remembers, to recognise a release run twice. */
    static final int REMEMBERED_RELEASES = 8;

    /**
     * KEYS: lock, fence, waiting. ARGV: owner, expiry in ms or '0' for never, counter TTL in ms or '0' for none,
     * '1' if the caller waits for notifications. The fence holds {@code <counter>[ <released owner>...]}.
     *
     * <p>A lock that already holds the caller's owner token was taken by an earlier run of this same acquisition (a
     * request resent by the client, or retried by the core): it is acquired again, with the token that run drew (the
     * counter: nobody else can have bumped it while the lock is ours) and the expiry restarted from this request, as
     * the caller counts it. A failed attempt marks the lock as awaited, for longer than the caller can wait before
     * its next attempt (which marks it again). {@code redis.replicate_commands()} lets Redis 3.2 to 4 write after
     * reading TIME; later versions replicate effects anyway. Tokens stop at 2^53 (the year 2255 in microseconds),
     * where Lua's numbers would start to repeat them: such an acquire fails instead.
     */
    static final RedisScript<Object> acquire = RedisScript.of("""
            if redis.replicate_commands then redis.replicate_commands() end
            local acquired
            if ARGV[2] == '0' then
                acquired = redis.call('SET', KEYS[1], ARGV[1], 'NX')
            else
                acquired = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
            end
            local fence = redis.call('GET', KEYS[2]) or '0'
            local counter, released = string.match(fence, '^(%d*)(.*)$')
            counter = tonumber(counter) or 0
            if not acquired then
                if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                    local remaining = redis.call('PTTL', KEYS[1])
                    if ARGV[4] == '1' then
                        if remaining < 0 then
                            redis.call('SET', KEYS[3], '1')
                        else
                            redis.call('SET', KEYS[3], '1', 'PX', remaining + 60000)
                        end
                    end
                    return {0, remaining, counter}
                end
                if ARGV[2] == '0' then
                    redis.call('PERSIST', KEYS[1])
                else
                    redis.call('PEXPIRE', KEYS[1], ARGV[2])
                end
                if counter > 0 then
                    if ARGV[3] == '0' then
                        redis.call('PERSIST', KEYS[2])
                    else
                        redis.call('PEXPIRE', KEYS[2], ARGV[3])
                    end
                    return {1, counter}
                end
                -- The counter was lost (flushed, evicted): draw a new token below, as for a new acquisition.
            end
            local time = redis.call('TIME')
            local token = math.max(counter + 1, tonumber(time[1]) * 1000000 + tonumber(time[2]))
            if token >= 9007199254740992 then
                redis.call('DEL', KEYS[1])
                return redis.error_reply('fencing counter ' .. fence .. ' has reached 2^53, beyond which Lua numbers'
                    .. ' cannot count: tokens would repeat. Check the server clock and the key ' .. KEYS[2])
            end
            if ARGV[3] == '0' then
                redis.call('SET', KEYS[2], string.format('%.0f', token) .. released)
            else
                redis.call('SET', KEYS[2], string.format('%.0f', token) .. released, 'PX', ARGV[3])
            end
            return {1, token}
            """);

    /**
     * KEYS: lock, fence, waiting. ARGV: owner, channel or '' for none, counter TTL in ms or '0' for none, how many
     * releasers to remember. Publishes only when somebody waits, and clears the mark: every woken waiter tries
     * again, and marks it again if it fails.
     *
     * <p>The fence remembers the owner tokens of the last releases after the counter, at no extra command; a release
     * that finds the lock gone or taken but its owner among them is a resent copy of a release already done.
     */
    static final RedisScript<Object> release = RedisScript.of("""
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                local fence = redis.call('GET', KEYS[2])
                if fence and string.find(fence .. ' ', ' ' .. ARGV[1] .. ' ', 1, true) then
                    return 1
                end
                return 0
            end
            redis.call('DEL', KEYS[1])
            local counter, released = string.match(redis.call('GET', KEYS[2]) or '0', '^(%d*)(.*)$')
            local version = string.format('%.0f', (tonumber(counter) or 0) + 1)
            local remembered, kept = version .. ' ' .. ARGV[1], 1
            for owner in string.gmatch(released, '%S+') do
                if kept >= tonumber(ARGV[4]) then
                    break
                end
                remembered = remembered .. ' ' .. owner
                kept = kept + 1
            end
            if ARGV[3] == '0' then
                redis.call('SET', KEYS[2], remembered)
            else
                redis.call('SET', KEYS[2], remembered, 'PX', ARGV[3])
            end
            if ARGV[2] ~= '' and redis.call('DEL', KEYS[3]) == 1 then
                redis.call('PUBLISH', ARGV[2], version .. ':' .. KEYS[1])
            end
            return 1
            """);

    /** KEYS: lock, fence, waiting. ARGV: owner, expiry in ms or '0' for never, counter TTL in ms or '0' for none. */
    static final RedisScript<Object> renew = RedisScript.of("""
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                return 0
            end
            if ARGV[2] == '0' then
                redis.call('PERSIST', KEYS[1])
                redis.call('PERSIST', KEYS[2])
            else
                redis.call('PEXPIRE', KEYS[1], ARGV[2])
                if ARGV[3] ~= '0' then
                    redis.call('PEXPIRE', KEYS[2], ARGV[3])
                end
            end
            return 1
            """);

    private RedisScripts() {
    }
}
