#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine with a JDK 17+, then the virtual-thread tests on a JDK 21+ beside it.
# The tests start their own redis-server, memcached and etcd on free loopback ports; this script installs those
# servers first when they are missing and it can (Debian/Ubuntu, as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
command -v memcached >/dev/null 2>&1 || [ -x /usr/bin/memcached ] || missing+=(memcached)
command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
# The SASL memcached of the tests: Cyrus SASL's PLAIN plugin, and Perl's DB_File to write its password database.
ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 || missing+=(libsasl2-modules)
perl -MDB_File -e 1 >/dev/null 2>&1 || missing+=(perl)
# The TLS tests' certificates.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

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

./mvnw -B -ntp verify "$@"

# What a release would publish: sources and javadoc jars (javadoc without warnings), module names, POM metadata,
# the BOM, the license; the sample and the benchmark never deployed.
./scripts/check-release.sh

# Virtual threads (Java 21+): a thousand virtual threads waiting on one lock leave the carriers free, the contract
# suite's callers run as virtual threads, and Spring's virtual-thread executor runs the renewals. The build targets
# Java 17, so this runs on a JDK 21+ found beside it.
jdk21=""
for candidate in "${SHERLOCK_JDK21:-}" /usr/lib/jvm/*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] \
      && [ "$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java.specification.version = //p')" -ge 21 ] 2>/dev/null; then
    jdk21="$candidate"
    break
  fi
done
if [ -z "$jdk21" ]; then
  echo "NOT RUN: the virtual-thread tests need a JDK 21+ (none in /usr/lib/jvm; set SHERLOCK_JDK21=<java home>)" >&2
  exit 1
fi
echo "Virtual-thread run on $jdk21"
JAVA_HOME="$jdk21" ./mvnw -B -ntp test -pl sherlock-core,sherlock-spring-boot-autoconfigure \
  -Dtest='VirtualThreadTests,FileBackendContractTests,RedisBackendContractTests,SherlockThreadsTests' \
  -Dsurefire.failIfNoSpecifiedTests=false -Dsherlock.test.virtual-threads=true
