#!/usr/bin/env bash
# Runs a benchmark main class from sherlock-core's test sources, e.g.
#   ./scripts/benchmark.sh dev.sherlock.benchmark.FileBenchmark 5
# Benchmarks that need a server start their own, as the tests do.
set -euo pipefail
cd "$(dirname "$0")/.."
main="${1:?usage: scripts/benchmark.sh <main class> [args...]}"
shift
./mvnw -B -q -ntp -pl sherlock-core test-compile
classpath_file="$(mktemp)"
trap 'rm -f "$classpath_file"' EXIT
./mvnw -B -q -ntp -pl sherlock-core dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$classpath_file" >/dev/null
exec java -cp "sherlock-core/target/test-classes:sherlock-core/target/classes:$(cat "$classpath_file")" "$main" "$@"
