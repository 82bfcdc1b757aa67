package dev.sherlock.redis;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * The Lua scripts of a {@link RedisBackend}: every change to a lock is one of them, so it is atomic. Each runs on the
 * lock key and its companion keys, all in one cluster slot ({@link RedisKeys}).
 *
 * <p>The fence key holds the fencing counter, then the reservation the last release made for a starving waiter, if
 * any: {@code <counter>[ !<waiter>:<until ms>]}. Owner tokens contain no spaces. The released key is a list of the
 * owner tokens of the lock's last {@value #REMEMBERED_RELEASES} releases, newest first; only a release reads it, and
 * only when the lock is not its caller's. The waiting key is a hash of the callers waiting for the lock
 * ({@code <owner> -> <first refused, ms>:<next attempt by, ms>:<releases then>}, followed by
 * {@code :<hand-over lifetime, ms>:<nonce>} for a caller that takes the lock handed over), of {@value #LISTENER}, the
 * mark of callers that only listen, and of {@code #}, how many releases found somebody waiting.
 *
 * <p>Cost: what an uncontended acquire and release pay inside Redis beyond the raw floor's {@code SET NX} and
 * compare-and-delete is each command they call (a few thousand instructions each) and each number or string Lua
 * converts or builds (about as much again). So the uncontended paths parse nothing but the counter, keep the token
 * as {@code TIME}'s text, leave the list of releasers to {@code LPUSH}/{@code LTRIM}, and a release that nobody
 * waits for leaves the counter as it is (the next token is larger anyway) and only sets its lifetime.
 */
final class RedisScripts {

    /** How many of the last releases of a lock its released list remembers, to recognise a release run twice. */
    static final int REMEMBERED_RELEASES = 8;

    /** The waiting hash's field of callers that listen for a release but do not wait in line. */
    static final String LISTENER = "*";

    /**
     * KEYS: lock, fence, waiting, released. ARGV: owner, expiry in ms or '0' for never, counter TTL in ms or '0' for
     * none, who asks: {@code ''} (nobody listens for notifications), {@value #LISTENER} (a caller that may wait for a
     * notification but will not come back on its own) or, for a caller that waits, the milliseconds within which it
     * tries again; the longest a reservation lasts (ms), so a server clock stepped back cannot stretch one; and, for a
     * waiting caller that takes the lock handed over, {@code :<lifetime ms>:<nonce>} (else {@code ''}), appended to its
     * entry in the waiting hash.
     *
     * <p>A lock that already holds the caller's owner token was taken by an earlier run of this same acquisition (a
     * request resent by the client, or retried by the core): it is acquired again, with the token that run drew (the
     * counter: nobody else can have bumped it while the lock is ours) and the expiry restarted from this request, as
     * the caller counts it. A lock that its last release reserved for a starving waiter ({@link #release}) is refused
     * to everyone else until the reservation ends, as if it were held for that long. A failed attempt enters the
     * caller in the waiting hash: a waiting caller under its owner, with the time it was first refused and the
     * release count then (both kept across its attempts) and the time by which it will have tried again; a listener
     * as {@value #LISTENER}. The hash lives a
     * minute past the holder's expiry and every failed attempt extends it. {@code redis.replicate_commands()} lets
     * Redis 3.2 to 4 write after reading TIME; later versions replicate effects anyway. Tokens stop at 2^53 (the
     * year 2255 in microseconds), where Lua's numbers would start to repeat them: such an acquire, whether its token
     * comes from the counter or the clock, fails instead.
     */
    static final RedisScript<Object> acquire = RedisScript.of("""
            if redis.replicate_commands then redis.replicate_commands() end
            local fence = redis.call('GET', KEYS[2]) or '0'
            local space = string.find(fence, ' ', 1, true)
            local counterText = space and string.sub(fence, 1, space - 1) or fence
            local counter = tonumber(counterText) or 0
            local reserved
            if space and string.byte(fence, space + 1) == 33 then
                -- Up to the next space: what an earlier version kept after it were the last releasers.
                local after = string.find(fence, ' ', space + 1, true)
                reserved = string.sub(fence, space + 2, after and after - 1 or -1)
            end
            local now
            local function clock()
                if not now then
                    local time = redis.call('TIME')
                    now = tonumber(time[1]) * 1000000 + tonumber(time[2])
                end
                return now
            end
            local reservedFor = 0
            if reserved then
                local waiter, untilMillis = string.match(reserved, '^(.*):(%d+)$')
                if waiter ~= ARGV[1] then
                    -- At most one reservation long: a server clock stepped back must not stretch it.
                    reservedFor = math.min((tonumber(untilMillis) or 0) - math.floor(clock() / 1000),
                        tonumber(ARGV[5]))
                end
            end
            local acquired
            if reservedFor <= 0 then
                if ARGV[2] == '0' then
                    acquired = redis.call('SET', KEYS[1], ARGV[1], 'NX')
                else
                    acquired = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
                end
            end
            if not acquired then
                if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                    local remaining = redis.call('PTTL', KEYS[1])
                    if reservedFor > 0 and (remaining == -2 or (remaining >= 0 and remaining < reservedFor)) then
                        remaining = reservedFor
                    end
                    if ARGV[4] ~= '' then
                        if ARGV[4] == '*' then
                            redis.call('HSET', KEYS[3], '*', '0:0:0')
                        else
                            local millis = math.floor(clock() / 1000)
                            local line = redis.call('HMGET', KEYS[3], ARGV[1], '#')
                            local first, _, firstRelease = string.match(line[1] or '', '^(%d+):(%d+):(%d+)')
                            redis.call('HSET', KEYS[3], ARGV[1], (first or millis) .. ':'
                                .. (millis + tonumber(ARGV[4])) .. ':' .. (firstRelease or line[2] or '0') .. ARGV[6])
                        end
                        if remaining == -1 then
                            redis.call('PERSIST', KEYS[3])
                        else
                            redis.call('PEXPIRE', KEYS[3], math.max(remaining, 0) + 60000)
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
            -- The server clock in microseconds, kept as TIME's text (no number conversions on the way), unless the
            -- counter is already there or beyond (the clock stepped back, or the text is not the counter's digits).
            local time = redis.call('TIME')
            local token = time[1] .. string.sub('00000' .. time[2], -6)
            if #counterText > #token or (#counterText == #token and counterText >= token) then
                token = string.format('%.0f', math.max(counter + 1, tonumber(token)))
            end
            if #token > 16 or (#token == 16 and token >= '9007199254740992') then
                redis.call('DEL', KEYS[1])
                return redis.error_reply('fencing token ' .. token .. ' (counter ' .. fence .. ') has reached 2^53,'
                    .. ' beyond which Lua numbers cannot count: tokens would repeat. Check the server clock and the'
                    .. ' key ' .. KEYS[2])
            end
            if ARGV[3] == '0' then
                redis.call('SET', KEYS[2], token)
            else
                redis.call('SET', KEYS[2], token, 'PX', ARGV[3])
            end
            return {1, token}
            """);

    /**
     * KEYS: lock, fence, waiting, released. ARGV: owner, channel or '' for none, counter TTL in ms or '0' for none,
     * how many releasers to remember, how long a waiter must have waited to be served first (ms), how long a
     * reservation lasts (ms), or how many releases a waiter must have seen to be served first.
     *
     * <p>A release remembers its owner in the released list and gives the list and the counter the released lifetime.
     * With notifications, it reads the waiting hash. If anybody is in it, the release writes a new version of the
     * counter (its version, published below) and counts itself in {@code #}. It drops the listener
     * mark, the releaser's own entry and the entries of waiters more than a second past the time they promised to
     * try again (gone, or given up). Of the waiters still within their promise, the one first refused longest ago,
     * if that was at least the starvation time ago or that many releases ago, is served. If its entry carries a
     * hand-over lifetime and nonce (a waiter for a lock that expires), the lock is handed over: set to its owner token
     * for that lifetime, with a new token drawn as acquire draws one (which is also the version), and its entry leaves
     * the line. Otherwise the lock is deleted and reserved for it for the reservation's length: written into the fence
     * as {@code !<owner>:<until ms>}, and its entry's promise marked used, so a waiter that went away costs one
     * reservation at most while one that comes late keeps its place. With nobody left waiting, the hash is deleted.
     * Then it publishes, if anybody was in the hash: {@code <version>:<lock key>}, on which every waiter tries at once,
     * {@code <token>=<owner> <proof> <lock key>} when it handed the lock to {@code <owner>}, which holds it at once
     * (the proof is the SHA-1 of {@code <nonce> <token> <lock key>}, which only the waiter can check), or
     * {@code <version>!<owner> <lock key>} when it reserved the lock for {@code <owner>}, on which only that waiter
     * tries (the others would be refused until the reservation ends, and wait for the next release or that end
     * instead). Nobody is ever served before the holder releases, and the lock itself stays the one key that excludes.
     * It answers {@code {1}} when it released (or handed over), {@code {1, <version>, <owner>}} when it reserved the
     * lock for {@code <owner>} (so the releasing backend refuses its own callers' attempts meanwhile without asking),
     * and {@code {0}} when the lock was not the caller's; then it also takes the caller's owner out of the line (a
     * waiter that gave up is released this way).
     *
     * <p>The released list keeps the owner tokens of the last releases (pushed and trimmed by Redis, with the
     * counter's TTL); a release that finds the lock gone or taken but its owner among them is a resent copy of a
     * release already done, and changes nothing.
     */
    static final RedisScript<Object> release = RedisScript.of("""
            if redis.replicate_commands then redis.replicate_commands() end
            if redis.call('GET', KEYS[1]) ~= ARGV[1] then
                -- Out of the line too: the owner of a waiter that gave up is released, and is never handed the lock.
                redis.call('HDEL', KEYS[3], ARGV[1])
                local owners = redis.call('LRANGE', KEYS[4], 0, -1)
                for i = 1, #owners do
                    if owners[i] == ARGV[1] then
                        return {1}
                    end
                end
                return {0}
            end
            -- Remembered first: a command refused here (an ACL without LPUSH or LTRIM) leaves the lock as it was.
            redis.call('LPUSH', KEYS[4], ARGV[1])
            redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[4]) - 1)
            local entries = {}
            if ARGV[2] ~= '' then
                entries = redis.call('HGETALL', KEYS[3])
            end
            if #entries == 0 then
                redis.call('DEL', KEYS[1])
                -- Nobody waits for a new version: the counter stays (the next token is larger anyway), and it and
                -- the released list live on for the retention.
                if ARGV[3] == '0' then
                    redis.call('PERSIST', KEYS[2])
                    redis.call('PERSIST', KEYS[4])
                else
                    redis.call('PEXPIRE', KEYS[2], ARGV[3])
                    redis.call('PEXPIRE', KEYS[4], ARGV[3])
                end
                return {1}
            end
            local fence = redis.call('GET', KEYS[2]) or '0'
            local space = string.find(fence, ' ', 1, true)
            local counterText = space and string.sub(fence, 1, space - 1) or fence
            local version = string.format('%.0f', (tonumber(counterText) or 0) + 1)
            local reservation = ''
            local fenceTtl = ARGV[3]
            local publish = false
            local time = redis.call('TIME')
            local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
            local releases = 1
            for i = 1, #entries, 2 do
                if entries[i] == '#' then
                    releases = (tonumber(entries[i + 1]) or 0) + 1
                end
            end
            local dropped, waiting, next, nextFirst, nextEntry = {}, 0, nil, nil, nil
            for i = 1, #entries, 2 do
                local waiter = entries[i]
                if waiter ~= '#' then
                    publish = true
                    local first, promised, firstRelease = string.match(entries[i + 1],
                        '^(%d+):(%d+):(%d+)')
                    first, promised, firstRelease = tonumber(first), tonumber(promised), tonumber(firstRelease)
                    if waiter == '*' or waiter == ARGV[1] or not promised or promised < now - 1000 then
                        dropped[#dropped + 1] = waiter
                    else
                        waiting = waiting + 1
                        if promised >= now and (now - first >= tonumber(ARGV[5])
                                or releases - firstRelease >= tonumber(ARGV[7]))
                                and (not nextFirst or first < nextFirst) then
                            next, nextFirst, nextEntry = waiter, first, entries[i + 1]
                        end
                    end
                end
            end
            local nonce, lifetime
            if next then
                lifetime, nonce = string.match(nextEntry, '^%d+:%d+:%d+:(%d+):(%x+)$')
                if nonce and #lifetime <= 8 and tonumber(lifetime) >= 1 then
                    -- Handed over: the lock is the waiter's at once (set last, below), with a new token drawn as
                    -- acquire draws one.
                    local token = time[1] .. string.sub('00000' .. time[2], -6)
                    if #counterText > #token or (#counterText == #token and counterText >= token) then
                        token = string.format('%.0f', math.max((tonumber(counterText) or 0) + 1, tonumber(token)))
                    end
                    if #token < 16 or (#token == 16 and token < '9007199254740992') then
                        version = token
                        dropped[#dropped + 1] = next
                        waiting = waiting - 1
                        if fenceTtl ~= '0' then
                            fenceTtl = string.format('%.0f', tonumber(fenceTtl) + tonumber(lifetime))
                        end
                    else
                        nonce = nil
                    end
                else
                    nonce = nil
                end
                if not nonce then
                    -- Its promise is used up: a waiter that went away is not chosen again, one that comes
                    -- late keeps its place in line when its next attempt renews the promise.
                    local first, _, firstRelease, rest = string.match(nextEntry, '^(%d+):(%d+):(%d+)(.*)$')
                    redis.call('HSET', KEYS[3], next, first .. ':' .. string.format('%.0f', now) .. ':'
                        .. firstRelease .. rest)
                    reservation = ' !' .. next .. ':' .. string.format('%.0f', now + tonumber(ARGV[6]))
                end
            end
            if waiting == 0 then
                redis.call('DEL', KEYS[3])
            else
                for i = 1, #dropped, 1000 do
                    redis.call('HDEL', KEYS[3], unpack(dropped, i, math.min(i + 999, #dropped)))
                end
                redis.call('HSET', KEYS[3], '#', releases)
            end
            if ARGV[3] == '0' then
                redis.call('SET', KEYS[2], version .. reservation)
                redis.call('PERSIST', KEYS[4])
            else
                redis.call('SET', KEYS[2], version .. reservation, 'PX', fenceTtl)
                redis.call('PEXPIRE', KEYS[4], ARGV[3])
            end
            -- The lock last, once the counter, the line and the fence are written: a command refused before leaves
            -- the lock as it was, and a waiter handed the lock never finds the old counter.
            if nonce then
                redis.call('SET', KEYS[1], next, 'PX', lifetime)
            else
                redis.call('DEL', KEYS[1])
            end
            if publish then
                if nonce then
                    -- The proof, not the nonce: a subscriber learns nothing to vouch for another token with.
                    redis.call('PUBLISH', ARGV[2], version .. '=' .. next .. ' '
                        .. redis.sha1hex(nonce .. ' ' .. version .. ' ' .. KEYS[1]) .. ' ' .. KEYS[1])
                elseif next then
                    redis.call('PUBLISH', ARGV[2], version .. '!' .. next .. ' ' .. KEYS[1])
                else
                    redis.call('PUBLISH', ARGV[2], version .. ':' .. KEYS[1])
                end
            end
            if next and not nonce then
                return {1, version, next}
            end
            return {1}
            """);

    /**
     * KEYS: lock, fence, waiting, released. ARGV: channel or '' for none. The startup check: reads each key as acquire
     * and release do and publishes an empty message on the release channel (subscribers ignore it), so a missing ACL
     * permission on the scripts, the keys or the channel shows at once; it changes no key.
     */
    static final RedisScript<Object> probe = RedisScript.of("""
            redis.call('PTTL', KEYS[1])
            redis.call('GET', KEYS[2])
            redis.call('HMGET', KEYS[3], '#')
            redis.call('LRANGE', KEYS[4], 0, 0)
            redis.call('LTRIM', KEYS[4], 0, -1)
            if ARGV[1] ~= '' then
                redis.call('PUBLISH', ARGV[1], '')
            end
            return 1
            """);

    /**
     * KEYS: lock, fence, waiting, released. ARGV: owner, expiry in ms or '0' for never, counter TTL in ms or '0' for
     * none.
     */
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
