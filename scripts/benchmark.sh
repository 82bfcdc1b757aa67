#!/usr/bin/env bash
# Sherlock side by side with the raw floors and the peer libraries (Redisson, Spring Integration, the jetcd Lock
# service, ShedLock) on every backend, in one run; writes docs/benchmark/results.md and chart.svg.
#   ./scripts/benchmark.sh [--backends redis,etcd,memcached,file,kubernetes] [--seconds 3] [--repetitions 3]
#                          [--handoffs 100] [--held 10000] [--out docs/benchmark]
# It starts its own servers on free ports (install them first: ./scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
classpath_file="$(mktemp)"
trap 'rm -f "$classpath_file"' EXIT
./mvnw -B -q -ntp -pl sherlock-benchmark -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile="$classpath_file" >/dev/null
exec java -Xmx2g -cp "sherlock-benchmark/target/classes:$(cat "$classpath_file")" dev.sherlock.benchmark.Benchmarks "$@"
