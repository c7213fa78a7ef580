# Sourced by demo.sh and test.sh: install dependencies if missing and make sure a Kafka broker runs —
# the local one from Maven Central jars unless KAFKA_BROKERS points elsewhere. A broker started here
# is stopped when the calling script exits.
# npm install, not npm ci: see .ci/run for why.
[ -d node_modules ] || npm install --no-audit --no-fund
streamtap_started_kafka=0
if [ -z "${KAFKA_BROKERS:-}" ]; then
  if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    bash scripts/kafka.sh start
    streamtap_started_kafka=1
  fi
  export KAFKA_BROKERS=localhost:9092
fi
streamtap_stop_kafka() { if [ "$streamtap_started_kafka" = 1 ]; then bash scripts/kafka.sh stop >/dev/null; fi; }
trap streamtap_stop_kafka EXIT
