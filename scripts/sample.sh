#!/usr/bin/env bash
# Runs the Spring Boot sample on a fresh machine with a JDK 17+: builds what it needs with the Maven wrapper (which
# downloads Maven on its first run), then starts several worker JVMs that contend for file-backend locks and prints
# a summary: acquisitions, lost updates (must be 0), fencing order (must be OK) and acquire latency p50/p99.
# Options are passed to the demo, e.g. ./scripts/sample.sh --workers=6 --deposits=300, or --unlocked to watch
# updates get lost without the lock. Extra Maven options go in MAVEN_ARGS (e.g. MAVEN_ARGS=-o to build offline).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1; then
  echo "The sample needs a JDK 17 or newer: 'java' is not on the PATH" >&2
  exit 1
fi

echo "Building the sample (the first run downloads Maven and the dependencies) ..."
./mvnw -B -q -ntp -pl samples -am package -Dmaven.test.skip=true

exec java -jar samples/target/sherlock-sample.jar demo "$@"
