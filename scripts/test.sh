#!/usr/bin/env bash
# The whole test suite on a fresh machine (see prepare.sh for what it installs and starts). With
# STREAMTAP_TEST_CLUSTER=1 and no arguments, then the tests on a local 3-node cluster (test-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prepare.sh
node scripts/test.mjs "$@"
if [ "${STREAMTAP_TEST_CLUSTER:-0}" = 1 ] && [ $# -eq 0 ]; then
  # The single broker is done with: its JVM would only take memory from the cluster's three.
  streamtap_stop_kafka
  streamtap_started_kafka=0
  bash scripts/test-cluster.sh
fi
