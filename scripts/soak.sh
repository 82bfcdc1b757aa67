#!/usr/bin/env bash
# Soaks the fault suite: on each backend, worker JVMs contend for one lock around a fenced counter while random
# faults hit them (holder SIGSTOP past its expiry or briefly, holder SIGKILL, server SIGSTOP, server kill -9 and
# restart, delayed or immediate). Prints a summary table and fails if a guarantee was broken. Not part of CI.
# Needs redis-server, memcached and etcd (./scripts/test.sh installs them).
#
# Usage: scripts/soak.sh [minutes per backend, default 10] [backends, default file,redis,memcached,etcd] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."

minutes="${1:-10}"
backends="${2:-file,redis,memcached,etcd}"
args=(-B -ntp -pl sherlock-core -Psoak test "-Dsoak.minutes=$minutes" "-Dsoak.backends=$backends")
if [ -n "${3:-}" ]; then
  args+=("-Dsoak.seed=$3")
fi
exec ./mvnw "${args[@]}"
