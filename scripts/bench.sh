#!/usr/bin/env bash
# `npm run bench`: the benchmark of bench/run.ts (options: npm run bench -- --help).
# Makes sure a Kafka broker answers on localhost:${KAFKA_PORT:-9092} (starting the local one from Maven
# jars when nothing does, and stopping it afterwards only then), unless KAFKA_BROKERS points elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
started=0
cleanup() {
  if [ "$started" = 1 ]; then bash scripts/kafka.sh stop >&2 || true; fi
}
trap cleanup EXIT
if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    echo "bench: no Kafka broker on localhost:${KAFKA_PORT:-9092}; starting the local one (stopped again at the end)" >&2
    bash scripts/kafka.sh start >&2
    started=1
  fi
  export KAFKA_BROKERS="localhost:${KAFKA_PORT:-9092}"
fi
# Not exec: the EXIT trap must still stop a broker this script started.
node --import tsx bench/run.ts "$@"
