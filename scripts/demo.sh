#!/usr/bin/env bash
# Quick start: the seed's pipeline end to end on embedded defaults — a local Kafka broker (from Maven
# Central jars), embedded ClickHouse under .data/, and the local stand-in API unless API_KEY is set.
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
cleanup() { if [ "$started" = 1 ]; then bash scripts/kafka.sh stop >/dev/null; fi; }
trap cleanup EXIT
args=()
if [ -z "${API_KEY:-}${STREAMTAP_SECRET_API_KEY:-}" ]; then
  echo "API_KEY is not set: reading from the local stand-in API (export API_KEY=... to read SavvyCal itself)"
  args+=(--mock-api)
fi
STREAMTAP_LOG_LEVEL="${STREAMTAP_LOG_LEVEL:-warn}" node bin/streamtap.js run pipelines/savvycal.ts "${args[@]}" "$@"
