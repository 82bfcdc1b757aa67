#!/usr/bin/env bash
# What an uncontended acquire + release of the Redis backend costs inside redis-server, in instructions counted by
# valgrind's callgrind (repeatable whatever else the machine does), next to the raw floor's two scripts (SET NX PX,
# compare-and-delete). Scripts are taken from RedisScripts.java (or from the given git revision) and sent by EVALSHA
# with the backend's keys and default arguments; the figure is (run of 3000 pairs - run of 1000 pairs) / 2000.
#   ./scripts/redis-script-cost.sh [revision]
# Needs redis-server, valgrind and python3 (apt-get install redis-server valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source_file=sherlock-core/src/main/java/dev/sherlock/redis/RedisScripts.java
if [[ $# -gt 0 ]]; then
  git show "$1:$source_file" > "$work/RedisScripts.java"
else
  cp "$source_file" "$work/RedisScripts.java"
fi

cat > "$work/pairs.py" <<'EOF'
import re, socket, sys, textwrap

def script(name):
    source = open(sys.argv[2]).read()
    if name.startswith('floor-'):
        return {'floor-acquire': "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])",
                'floor-release': "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1])"
                                 " else return 0 end"}[name]
    return textwrap.dedent(re.search(r'RedisScript<Object> ' + name + r' = RedisScript.of\("""\n(.*?)"""\);',
                                     source, re.S).group(1))

sock = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
replies = sock.makefile('rb')

def reply():
    line = replies.readline().rstrip(b'\r\n')
    kind, rest = line[:1], line[1:]
    if kind == b'*':
        return [reply() for _ in range(int(rest))] if int(rest) >= 0 else None
    if kind == b'$':
        return replies.read(int(rest) + 2)[:-2] if int(rest) >= 0 else None
    if kind == b'-':
        raise RuntimeError(rest.decode())
    return int(rest) if kind == b':' else rest

def send(*commands):
    out = b''
    for command in commands:
        words = [w if isinstance(w, bytes) else str(w).encode() for w in command]
        out += b'*%d\r\n' % len(words) + b''.join(b'$%d\r\n%s\r\n' % (len(w), w) for w in words)
    sock.sendall(out)
    return [reply() for _ in commands]

kind, pairs = sys.argv[3], int(sys.argv[4])
acquire = send(['SCRIPT', 'LOAD', script('floor-acquire' if kind == 'floor' else 'acquire')])[0]
release = send(['SCRIPT', 'LOAD', script('floor-release' if kind == 'floor' else 'release')])[0]
keys = ['orders', 'sherlock:{1om}:fence:orders', 'sherlock:{1om}:waiters:orders', 'sherlock:{1om}:released:orders']
for i in range(pairs):
    owner = '0123456789abcdef0123456789abcdef-%d' % i
    answers = send(['EVALSHA', acquire, 4, *keys, owner, 30000, 86430000, '*', 50],
                   ['EVALSHA', release, 4, *keys, owner, 'sherlock:releases', 86400000, 8, 10, 50, 4])
    if answers[1] != 1:
        raise RuntimeError('release %d answered %r' % (i, answers[1]))
try:
    send(['SHUTDOWN', 'NOSAVE'])
except (RuntimeError, ConnectionError, IndexError, ValueError):
    pass
EOF

instructions() {
  local kind=$1 pairs=$2 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  valgrind --tool=callgrind --callgrind-out-file="$work/out.$kind.$pairs" \
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >/dev/null 2>&1 &
  local server=$!
  for _ in $(seq 150); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  python3 "$work/pairs.py" "$port" "$work/RedisScripts.java" "$kind" "$pairs"
  wait "$server" || true
  awk '/^(summary|totals):/ {print $2; exit}' "$work/out.$kind.$pairs"
}

floor=$(( ($(instructions floor 3000) - $(instructions floor 1000)) / 2000 ))
sherlock=$(( ($(instructions sherlock 3000) - $(instructions sherlock 1000)) / 2000 ))
echo "redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), instructions per uncontended acquire + release:"
echo "  raw floor  $floor"
echo "  Sherlock   $sherlock ($(python3 -c "print(f'{$sherlock / $floor:.2f}')")× floor)"
