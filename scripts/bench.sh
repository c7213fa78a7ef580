#!/usr/bin/env bash
# `npm run bench`: the benchmark of bench/run.ts (options: npm run bench -- --help).
# Makes sure a Kafka broker answers on localhost:${KAFKA_PORT:-9092} (starting the local one from Maven
# jars when nothing does, and stopping it afterwards only then), unless KAFKA_BROKERS points elsewhere.
# `npm run bench -- --scale`: consumer scaling on a 3-broker cluster (bench/scale.ts; --scale --help), on
# KAFKA_CLUSTER_BROKERS, else the local `kafka.sh --nodes 3` cluster, started and stopped here if not running.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
started=0
nodes=1
cleanup() {
  if [ "$started" = 1 ]; then bash scripts/kafka.sh stop --nodes "$nodes" >&2 || true; fi
}
trap cleanup EXIT
if [ "${1:-}" = --scale ]; then
  if [ -z "${KAFKA_CLUSTER_BROKERS:-}" ]; then
    nodes=3
    if ! out="$(bash scripts/kafka.sh status --nodes 3 2>/dev/null)"; then
      echo "bench: starting the local 3-node cluster (stopped again at the end)" >&2
      started=1
      out="$(bash scripts/kafka.sh start --nodes 3)"
    fi
    KAFKA_CLUSTER_BROKERS="$(grep '^KAFKA_BROKERS=' <<<"$out" | tail -n 1 | cut -d= -f2)"
    export KAFKA_CLUSTER_BROKERS
  fi
  node --import tsx bench/scale.ts "$@"
  exit
fi
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
