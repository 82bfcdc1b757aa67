#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine with a JDK 17+.
# The tests start their own redis-server, memcached and etcd on free loopback ports; this script installs those
# servers first when they are missing and it can (Debian/Ubuntu, as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v memcached >/dev/null 2>&1 || [ -x /usr/bin/memcached ] || missing+=(memcached)
command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)

if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
    echo "Installing test servers: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts the packaged services; the tests use their own instances on free ports.
  else
    echo "Missing test servers: ${missing[*]} (no apt-get here: install them, or the tests that need them fail)" >&2
  fi
fi

exec ./mvnw -B -ntp verify "$@"
