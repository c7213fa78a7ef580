#!/usr/bin/env bash
# The tests on a local 3-node Kafka cluster (`npm run test:cluster`; `npm test` runs them after the suite
# when STREAMTAP_TEST_CLUSTER=1, as .ci/run does): test/integration/kafka-cluster.test.ts and
# cluster-faults.test.ts, which skip, saying why, without KAFKA_CLUSTER_BROKERS. Uses the cluster at
# $KAFKA_CLUSTER_BROKERS, else the local one of `scripts/kafka.sh --nodes 3` (ports 29092-29094): started
# here when it is not running, and then stopped again on exit, failed or not. Arguments: test files.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
started=0
stop_cluster() { if [ "$started" = 1 ]; then bash scripts/kafka.sh stop --nodes 3 >&2 || true; fi; }
trap stop_cluster EXIT
if [ -z "${KAFKA_CLUSTER_BROKERS:-}" ]; then
  if ! out="$(bash scripts/kafka.sh status --nodes 3 2>/dev/null)"; then
    started=1
    out="$(bash scripts/kafka.sh start --nodes 3)"
  fi
  KAFKA_CLUSTER_BROKERS="$(grep '^KAFKA_BROKERS=' <<<"$out" | tail -n 1 | cut -d= -f2)"
  export KAFKA_CLUSTER_BROKERS
fi
echo "test-cluster: KAFKA_CLUSTER_BROKERS=$KAFKA_CLUSTER_BROKERS" >&2
if [ $# -eq 0 ]; then set -- test/integration/kafka-cluster.test.ts test/integration/cluster-faults.test.ts; fi
# The fault tests' own processes (streamtap sql, the stand-in API's clients) talk to the cluster only.
# Not exec: the EXIT trap must still stop a cluster this script started.
KAFKA_BROKERS="$KAFKA_CLUSTER_BROKERS" node scripts/test.mjs "$@"
