#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) built from
# Maven Central jars -- no Docker, no tarball downloads.
#
#   scripts/kafka.sh provision        resolve the jars once (cached)
#   scripts/kafka.sh start            provision + format storage if needed, start, wait until ready
#   scripts/kafka.sh stop             SIGTERM the broker we started, wait, SIGKILL if it hangs
#   scripts/kafka.sh status           exit 0 when running, 3 when not
#   scripts/kafka.sh logs [-f] [N]    last N lines of the broker log (default 100)
#   scripts/kafka.sh run CLASS ARGS   run a Kafka tool class with the cached classpath, e.g.
#       scripts/kafka.sh run org.apache.kafka.tools.ProducerPerformance --help
#   scripts/kafka.sh classpath        print the classpath (jar dir wildcard)
#
# A local cluster: start, stop and status take --nodes N (or KAFKA_NODES=N). With N > 1 each node is
# broker and controller, all N form a static voter quorum, on ports apart from the single node's so
# the two never meet (node i: PLAINTEXT 29091+i, controller 29191+i, data $PWD/.data/kafka-cluster/node-i):
#   scripts/kafka.sh start --nodes 3  prints KAFKA_BROKERS=localhost:29092,localhost:29093,localhost:29094
#   scripts/kafka.sh stop --nodes 3   stops those three nodes only
#
# Environment (all optional):
#   KAFKA_VERSION          org.apache.kafka:kafka_2.13 version       (default 4.1.2)
#   KAFKA_PORT             PLAINTEXT listener port                   (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port            (default 9093)
#   KAFKA_SASL_PORT        also listen with SASL_PLAINTEXT on this port (default: no SASL listener)
#   KAFKA_SASL_USERS       users of that listener, "name:password[,name:password]"; each can log in
#                          with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (SCRAM credentials are written
#                          when the storage is formatted, so set both before the first start of a data dir)
#   KAFKA_DATA_DIR         config, pid file, logs and log.dirs       (default $PWD/.data/kafka)
#   STREAMTAP_CACHE        jar cache root                            (default ~/.cache/streamtap)
#   KAFKA_HEAP_OPTS        JVM heap flags                            (default -Xms256m -Xmx512m)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness             (default 90)
#   KAFKA_TOOL_HEAP_OPTS   JVM heap flags for 'run'                  (default -Xmx512m)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM             (default 60)
#   JAVA                   java binary (17+)                         (default: java on PATH)
#   KAFKA_NODES                 nodes of a local cluster (--nodes)             (default 1: the single node)
#   KAFKA_CLUSTER_DATA_DIR      a cluster's data root, node-i under it        (default $PWD/.data/kafka-cluster)
#   KAFKA_CLUSTER_PORT          PLAINTEXT port of node 1, then +1 per node    (default 29092)
#   KAFKA_CLUSTER_CONTROLLER_PORT  controller port of node 1, then +1         (default 29192)
#   KAFKA_CLUSTER_HEAP_OPTS     JVM heap flags of each cluster node           (default -Xms128m -Xmx384m)
set -euo pipefail

KAFKA_VERSION="${KAFKA_VERSION:-4.1.2}"
# Log4j2 / SLF4J versions pinned on top of Kafka's own: Kafka 4.1.x pulls
# log4j-api/core 2.25.3 but only slf4j-api 1.7.36 and no SLF4J binding, so we add
# log4j-slf4j2-impl and lift slf4j-api to 2.0.x (API-compatible with 1.7 callers).
LOG4J_VERSION="${KAFKA_LOG4J_VERSION:-2.25.3}"
SLF4J_VERSION="${KAFKA_SLF4J_VERSION:-2.0.17}"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

KAFKA_PORT="${KAFKA_PORT:-9092}"
# Set per node by the cluster commands below; a single node keeps id 1 and a quorum of itself.
KAFKA_NODE_ID="${KAFKA_NODE_ID:-1}"
KAFKA_QUORUM_VOTERS="${KAFKA_QUORUM_VOTERS:-}"
KAFKA_CLUSTER_ID="${KAFKA_CLUSTER_ID:-}"
KAFKA_INTERNAL_RF="${KAFKA_INTERNAL_RF:-1}"
KAFKA_INTERNAL_MIN_ISR="${KAFKA_INTERNAL_MIN_ISR:-1}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-}"
KAFKA_SASL_USERS="${KAFKA_SASL_USERS:-}"
KAFKA_DATA_DIR="${KAFKA_DATA_DIR:-$PWD/.data/kafka}"
STREAMTAP_CACHE="${STREAMTAP_CACHE:-${HOME:-/root}/.cache/streamtap}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
JAVA="${JAVA:-java}"

CACHE_DIR="$STREAMTAP_CACHE/kafka-$KAFKA_VERSION"
LIB_DIR="$CACHE_DIR/libs"
MARKER="$CACHE_DIR/.provisioned"

PID_FILE="$KAFKA_DATA_DIR/kafka.pid"
CONF_FILE="$KAFKA_DATA_DIR/server.properties"
LOG4J_CONF="$KAFKA_DATA_DIR/log4j2.properties"
TOOLS_LOG4J_CONF="$KAFKA_DATA_DIR/tools-log4j2.properties"
LOG_DIR="$KAFKA_DATA_DIR/logs"           # application logs (server.log)
STORE_DIR="$KAFKA_DATA_DIR/kraft-data"   # log.dirs (topic data + metadata log)
LOG_FILE="$LOG_DIR/server.log"
OUT_FILE="$LOG_DIR/kafka.out"            # JVM stdout/stderr

die() { echo "kafka.sh: $*" >&2; exit 1; }
info() { echo "kafka.sh: $*" >&2; }

# ---------------------------------------------------------------- provision

pom_xml() {
  cat <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/kafka.sh; resolves a runnable Kafka broker + tools -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>streamtap.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>$SLF4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

provisioned() {
  [[ -f "$MARKER" && -d "$LIB_DIR" ]] && [[ "$(cat "$MARKER")" == "$(pom_xml | cksum)" ]]
}

cmd_provision() {
  provisioned && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  mkdir -p "$CACHE_DIR"
  (
    flock 9
    provisioned && exit 0
    info "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION + kafka-tools from Maven Central into $LIB_DIR"
    pom_xml >"$CACHE_DIR/pom.xml"
    rm -rf "$LIB_DIR.tmp"
    if ! mvn -B -q -f "$CACHE_DIR/pom.xml" "$DEP_PLUGIN:copy-dependencies" \
        -DincludeScope=runtime -DoutputDirectory="$LIB_DIR.tmp" >"$CACHE_DIR/mvn.log" 2>&1; then
      tail -n 40 "$CACHE_DIR/mvn.log" >&2
      die "maven resolution failed (full log: $CACHE_DIR/mvn.log)"
    fi
    [[ -f "$LIB_DIR.tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || die "kafka_2.13-$KAFKA_VERSION.jar missing after resolution"
    rm -rf "$LIB_DIR"
    mv "$LIB_DIR.tmp" "$LIB_DIR"
    pom_xml | cksum >"$MARKER"
    info "provisioned $(find "$LIB_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIB_DIR" | cut -f1))"
  ) 9>"$CACHE_DIR/.lock"
}

# ---------------------------------------------------------------- helpers

check_java() {
  command -v "$JAVA" >/dev/null || die "java not found (Kafka $KAFKA_VERSION needs Java 17+)"
  local v
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')"
  [[ "${v%%.*}" -ge 17 ]] 2>/dev/null || die "Java 17+ required, found '$v' ($JAVA)"
}

# Sends a Kafka ApiVersions v0 request and checks the correlation id of the answer.
# Succeeds only when something speaking the Kafka protocol answers on the port.
kafka_probe() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x0f\x00\x12\x00\x00\x00\x00\x00\x07\x00\x05probe" >&3
    resp="$(head -c 8 <&3 | od -An -tx1 | tr -d " \n")"
    [[ "${resp:8:8}" == "00000007" ]]
  ' _ "$1" 2>/dev/null
}

port_open() {
  # shellcheck disable=SC2016
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# alive PID: the process exists and is not a zombie (a zombie may linger when
# the broker's parent is a container init that does not reap)
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)"
  [[ "$state" != Z ]]
}

# PID of the broker started from this data dir, if it is still alive.
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  # guard against a recycled pid
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

# The optional SASL_PLAINTEXT listener (KAFKA_SASL_PORT): extra server.properties lines, empty without it.
# No authorizer is configured: an authenticated user may do anything, as on the PLAINTEXT listener.
sasl_listener() { if [[ -n "$KAFKA_SASL_PORT" ]]; then echo ",SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT"; fi; }
sasl_advertised() { if [[ -n "$KAFKA_SASL_PORT" ]]; then echo ",SASL_PLAINTEXT://localhost:$KAFKA_SASL_PORT"; fi; }
sasl_protocol() { if [[ -n "$KAFKA_SASL_PORT" ]]; then echo ",SASL_PLAINTEXT:SASL_PLAINTEXT"; fi; }
sasl_properties() {
  [[ -n "$KAFKA_SASL_PORT" ]] || return 0
  local plain_users="" entry entries
  IFS=, read -ra entries <<<"$KAFKA_SASL_USERS"
  for entry in "${entries[@]}"; do plain_users+=" user_${entry%%:*}=\"${entry#*:}\""; done
  echo "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"
  echo "listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$plain_users;"
  echo "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
  echo "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"
}

# StorageTool arguments that store SCRAM credentials of KAFKA_SASL_USERS in the new cluster's metadata.
scram_format_args() {
  [[ -n "$KAFKA_SASL_PORT" && -n "$KAFKA_SASL_USERS" ]] || return 0
  local entry entries mechanism
  IFS=, read -ra entries <<<"$KAFKA_SASL_USERS"
  for entry in "${entries[@]}"; do
    for mechanism in SCRAM-SHA-256 SCRAM-SHA-512; do
      printf '%s\n' --add-scram "$mechanism=[name=${entry%%:*},password=${entry#*:}]"
    done
  done
}

# A node of a cluster names every voter (static quorum); the single node bootstraps from itself.
quorum_properties() {
  if [[ -n "$KAFKA_QUORUM_VOTERS" ]]; then echo "controller.quorum.voters=$KAFKA_QUORUM_VOTERS"
  else echo "controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT"; fi
}

write_configs() {
  if [[ -n "$KAFKA_SASL_PORT" && -z "$KAFKA_SASL_USERS" ]]; then die "KAFKA_SASL_PORT needs KAFKA_SASL_USERS=name:password[,...]"; fi
  mkdir -p "$LOG_DIR" "$STORE_DIR"
  cat >"$CONF_FILE" <<EOF
# generated by scripts/kafka.sh on every start -- edit the script, not this file
process.roles=broker,controller
node.id=$KAFKA_NODE_ID
$(quorum_properties)
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT$(sasl_listener)
advertised.listeners=PLAINTEXT://localhost:$KAFKA_PORT$(sasl_advertised)
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT$(sasl_protocol)
log.dirs=$STORE_DIR
num.partitions=3
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=$KAFKA_INTERNAL_RF
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$KAFKA_INTERNAL_RF
transaction.state.log.min.isr=$KAFKA_INTERNAL_MIN_ISR
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$KAFKA_INTERNAL_RF
share.coordinator.state.topic.min.isr=$KAFKA_INTERNAL_MIN_ISR
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
$(sasl_properties)
EOF
  cat >"$LOG4J_CONF" <<EOF
# generated by scripts/kafka.sh
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $LOG_FILE
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  write_tools_log4j
}

write_tools_log4j() {
  mkdir -p "$KAFKA_DATA_DIR"
  cat >"$TOOLS_LOG4J_CONF" <<'EOF'
# generated by scripts/kafka.sh -- command-line tools log warnings to stderr
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
EOF
}

# run_tool [--quick] MAIN_CLASS ARGS...: --quick (C1 only, serial GC) for short admin
# commands such as StorageTool; benchmarks (ProducerPerformance) want the full JIT.
run_tool() {
  local jvm=()
  if [[ "$1" == --quick ]]; then jvm=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1); shift; fi
  local main="$1"; shift
  # shellcheck disable=SC2086
  "$JAVA" ${KAFKA_TOOL_HEAP_OPTS:--Xmx512m} "${jvm[@]}" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$TOOLS_LOG4J_CONF" \
    -cp "$LIB_DIR/*" "$main" "$@"
}

format_storage() {
  [[ -f "$STORE_DIR/meta.properties" ]] && return 0
  local cluster_id="$KAFKA_CLUSTER_ID"
  [[ -n "$cluster_id" ]] || cluster_id="$(run_tool --quick kafka.tools.StorageTool random-uuid | tail -n 1)"
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid printed nothing"
  info "formatting KRaft storage in $STORE_DIR (cluster id $cluster_id)"
  local scram=() quorum=(--standalone)
  mapfile -t scram < <(scram_format_args)
  # A node of a static quorum (controller.quorum.voters) is formatted without --standalone.
  [[ -z "$KAFKA_QUORUM_VOTERS" ]] || quorum=()
  run_tool --quick kafka.tools.StorageTool format "${quorum[@]}" -t "$cluster_id" -c "$CONF_FILE" "${scram[@]}" >"$LOG_DIR/format.out" 2>&1 \
    || { cat "$LOG_DIR/format.out" >&2; die "storage format failed"; }
  echo "$cluster_id" >"$KAFKA_DATA_DIR/cluster.id"
}

print_brokers() { echo "KAFKA_BROKERS=localhost:$KAFKA_PORT"; }

# ---------------------------------------------------------------- commands

cmd_start() {
  mkdir -p "$KAFKA_DATA_DIR"
  exec 8>"$KAFKA_DATA_DIR/.lock"
  flock 8

  local pid
  if pid="$(running_pid)"; then
    info "already running (pid $pid, data dir $KAFKA_DATA_DIR)"
    print_brokers; return 0
  fi
  if port_open "$KAFKA_PORT"; then
    if kafka_probe "$KAFKA_PORT"; then
      info "a Kafka broker not started from $KAFKA_DATA_DIR already answers on port $KAFKA_PORT; using it"
      print_brokers; return 0
    fi
    die "port $KAFKA_PORT is in use by something that does not speak Kafka"
  fi
  port_open "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_CONTROLLER_PORT is already in use (set KAFKA_CONTROLLER_PORT)"

  check_java
  cmd_provision
  write_configs
  format_storage

  local offset=0
  [[ -f "$LOG_FILE" ]] && offset="$(stat -c %s "$LOG_FILE")"
  : >"$OUT_FILE"
  # setsid: own session, so ^C / the caller's process group does not hit the broker.
  # 8>&-: the broker must not inherit (and so hold) the data-dir lock.
  # shellcheck disable=SC2086
  setsid "$JAVA" -server $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONF" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONF_FILE" </dev/null >>"$OUT_FILE" 2>&1 8>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  info "started Kafka $KAFKA_VERSION (pid $pid), waiting up to ${KAFKA_START_TIMEOUT}s for readiness"

  local t0=$SECONDS deadline=$((SECONDS + KAFKA_START_TIMEOUT))
  while :; do
    if ! alive "$pid"; then
      rm -f "$PID_FILE"
      show_failure "broker process exited during startup" "$offset"
    fi
    if [[ -f "$LOG_FILE" ]] && tail -c +"$((offset + 1))" "$LOG_FILE" | grep -q 'Kafka Server started'; then
      if kafka_probe "$KAFKA_PORT"; then break; fi
    fi
    if ((SECONDS >= deadline)); then
      info "not ready after ${KAFKA_START_TIMEOUT}s, stopping pid $pid"
      terminate_pid "$pid"
      rm -f "$PID_FILE"
      show_failure "broker not ready after ${KAFKA_START_TIMEOUT}s (raise KAFKA_START_TIMEOUT?)" "$offset"
    fi
    sleep 0.3
  done
  info "ready in $((SECONDS - t0))s on localhost:$KAFKA_PORT (logs: $LOG_FILE)"
  print_brokers
}

# show_failure MESSAGE LOG_OFFSET: print the log lines written since LOG_OFFSET and exit 1
show_failure() {
  {
    echo "kafka.sh: $1"
    echo "---- last lines of $LOG_FILE (this start) ----"
    tail -c +"$(($2 + 1))" "$LOG_FILE" 2>/dev/null | tail -n 40 || true
    echo "---- $OUT_FILE (JVM stdout/stderr) ----"
    tail -n 20 "$OUT_FILE" 2>/dev/null || true
  } >&2
  exit 1
}

# terminate_pid PID: SIGTERM, wait up to KAFKA_STOP_TIMEOUT, then SIGKILL
terminate_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then
      info "pid $pid still alive after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      local kdeadline=$((SECONDS + 10))
      while alive "$pid" && ((SECONDS < kdeadline)); do sleep 0.2; done
      break
    fi
    sleep 0.2
  done
  ! alive "$pid" || die "pid $pid did not exit"
}

cmd_stop() {
  [[ -d "$KAFKA_DATA_DIR" ]] || { info "not running (no $KAFKA_DATA_DIR)"; return 0; }
  exec 8>"$KAFKA_DATA_DIR/.lock"
  flock 8
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    info "not running (data dir $KAFKA_DATA_DIR)"
    return 0
  fi
  info "stopping pid $pid (SIGTERM, up to ${KAFKA_STOP_TIMEOUT}s)"
  terminate_pid "$pid"
  rm -f "$PID_FILE"
  info "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if kafka_probe "$KAFKA_PORT"; then
      echo "running (pid $pid, Kafka $KAFKA_VERSION, localhost:$KAFKA_PORT, data dir $KAFKA_DATA_DIR)"
    else
      echo "starting or unhealthy (pid $pid, port $KAFKA_PORT not answering)"
    fi
    print_brokers
    return 0
  fi
  if kafka_probe "$KAFKA_PORT"; then
    echo "a Kafka broker answers on localhost:$KAFKA_PORT but was not started from $KAFKA_DATA_DIR"
    print_brokers
    return 0
  fi
  echo "stopped (data dir $KAFKA_DATA_DIR)"
  return 3
}

cmd_logs() {
  local follow=() n=100 a
  for a in "$@"; do
    case "$a" in
      -f|--follow) follow=(-F) ;;
      [0-9]*) n="$a" ;;
      *) die "usage: kafka.sh logs [-f] [LINES]" ;;
    esac
  done
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  tail -n "$n" "${follow[@]}" "$LOG_FILE"
}

cmd_run() {
  [[ $# -ge 1 ]] || die "usage: kafka.sh run MAIN_CLASS [ARGS...]"
  check_java
  cmd_provision
  write_tools_log4j
  run_tool "$@"
}

# ---------------------------------------------------------------- a local cluster (--nodes N)

CLUSTER_DATA_DIR="${KAFKA_CLUSTER_DATA_DIR:-$PWD/.data/kafka-cluster}"
CLUSTER_PORT="${KAFKA_CLUSTER_PORT:-29092}"
CLUSTER_CONTROLLER_PORT="${KAFKA_CLUSTER_CONTROLLER_PORT:-29192}"

cluster_brokers() {
  local i list=""
  for ((i = 1; i <= $1; i++)); do list+="${list:+,}localhost:$((CLUSTER_PORT + i - 1))"; done
  echo "KAFKA_BROKERS=$list"
}

# on_node N I COMMAND: this script's COMMAND for node I of an N-node cluster, in its own process.
on_node() {
  local n="$1" i="$2" voters="" j
  for ((j = 1; j <= n; j++)); do voters+="${voters:+,}$j@127.0.0.1:$((CLUSTER_CONTROLLER_PORT + j - 1))"; done
  KAFKA_DATA_DIR="$CLUSTER_DATA_DIR/node-$i" KAFKA_PORT="$((CLUSTER_PORT + i - 1))" \
    KAFKA_CONTROLLER_PORT="$((CLUSTER_CONTROLLER_PORT + i - 1))" KAFKA_NODE_ID="$i" \
    KAFKA_QUORUM_VOTERS="$voters" KAFKA_CLUSTER_ID="$(cat "$CLUSTER_DATA_DIR/cluster.id")" \
    KAFKA_INTERNAL_RF="$((n < 3 ? n : 3))" KAFKA_INTERNAL_MIN_ISR="$((n < 3 ? 1 : 2))" \
    KAFKA_HEAP_OPTS="${KAFKA_CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m}" KAFKA_NODES=1 \
    bash "$0" "$3" >"$CLUSTER_DATA_DIR/node-$i.$3.out" 2>&1
}

cmd_cluster() {
  local action="$1" n="$2" i pids=() failed=0
  [[ "$n" =~ ^[0-9]+$ && "$n" -ge 2 ]] || die "--nodes wants a number of at least 2 (1 is the single node)"
  mkdir -p "$CLUSTER_DATA_DIR"
  if [[ "$action" == start && ! -s "$CLUSTER_DATA_DIR/cluster.id" ]]; then
    check_java
    cmd_provision
    KAFKA_DATA_DIR="$CLUSTER_DATA_DIR" TOOLS_LOG4J_CONF="$CLUSTER_DATA_DIR/tools-log4j2.properties"
    write_tools_log4j
    run_tool --quick kafka.tools.StorageTool random-uuid | tail -n 1 >"$CLUSTER_DATA_DIR/cluster.id"
  fi
  [[ -s "$CLUSTER_DATA_DIR/cluster.id" ]] || { info "no cluster in $CLUSTER_DATA_DIR"; [[ "$action" == status ]] && return 3; return 0; }
  if [[ "$action" == start || "$action" == stop ]]; then
    # All nodes at once: a node starts only once a majority of the voters is up, and a node stopped
    # last, after the quorum is gone, would wait for a controller until its stop timeout.
    for ((i = 1; i <= n; i++)); do on_node "$n" "$i" "$action" & pids+=($!); done
    for ((i = 1; i <= n; i++)); do
      wait "${pids[i - 1]}" || { failed=1; cat "$CLUSTER_DATA_DIR/node-$i.$action.out" >&2; }
      [[ "$action" == stop ]] && echo "node $i: $(tail -n 1 "$CLUSTER_DATA_DIR/node-$i.stop.out")"
    done
    if ((failed)) && [[ "$action" == start ]]; then info "a node failed to start; stopping the others"; cmd_cluster stop "$n"; exit 1; fi
    ((failed)) && exit 1
    [[ "$action" == start ]] && info "$n-node cluster ready (data under $CLUSTER_DATA_DIR)"
  else
    for ((i = 1; i <= n; i++)); do
      on_node "$n" "$i" "$action" || failed=$?
      echo "node $i: $(tail -n 2 "$CLUSTER_DATA_DIR/node-$i.$action.out" | head -n 1)"
    done
    [[ "$action" == status && "$failed" -ne 0 ]] && return 3
  fi
  [[ "$action" == stop ]] || cluster_brokers "$n"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

COMMAND="${1:-}"
NODES="${KAFKA_NODES:-1}"
if [[ "${2:-}" == --nodes ]]; then NODES="${3:-}"; set -- "$1" "${@:4}"; fi
if [[ "$NODES" != 1 && "$COMMAND" =~ ^(start|stop|status)$ ]]; then cmd_cluster "$COMMAND" "$NODES"; exit $?; fi
# Any other command with --nodes would act on the single node: refuse rather than surprise.
[[ "$NODES" == 1 ]] || die "--nodes goes with start, stop and status only (restart: stop, then start)"

case "$COMMAND" in
  provision) cmd_provision; info "jars in $LIB_DIR" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  run) shift; cmd_run "$@" ;;
  classpath) cmd_provision; echo "$LIB_DIR/*" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
