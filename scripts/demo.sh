#!/usr/bin/env bash
# Quick start: the seed's pipeline end to end on embedded defaults — a local Kafka broker (from Maven
# Central jars), embedded ClickHouse under .data/, and the local stand-in API unless API_KEY is set.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prepare.sh
args=()
if [ -z "${API_KEY:-}${STREAMTAP_SECRET_API_KEY:-}" ]; then
  echo "API_KEY is not set: reading from the local stand-in API (export API_KEY=... to read SavvyCal itself)"
  args+=(--mock-api)
fi
STREAMTAP_LOG_LEVEL="${STREAMTAP_LOG_LEVEL:-warn}" node bin/streamtap.js run pipelines/savvycal.ts "${args[@]}" "$@"
