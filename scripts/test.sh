#!/usr/bin/env bash
# The whole test suite on a fresh machine: install dependencies if missing, make sure a Kafka broker
# runs (the local one from Maven jars unless KAFKA_BROKERS points elsewhere), run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
started=0
if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    bash scripts/kafka.sh start
    started=1
  fi
  export KAFKA_BROKERS=localhost:9092
fi
cleanup() { if [ "$started" = 1 ]; then bash scripts/kafka.sh stop; fi; }
trap cleanup EXIT
node scripts/test.mjs "$@"
