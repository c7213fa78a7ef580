#!/usr/bin/env bash
# Local schema registry for SCHEMA_REGISTRY_URL mode: Apicurio Registry, whose Confluent-compatible API
# (/apis/ccompat/v7) is what streamtap speaks. It comes from Maven Central (the published
# io.apicurio:apicurio-registry-app:<v>:tar.gz:all distribution, a Quarkus app), no Docker.
# (Karapace, the Python alternative, is not published on PyPI.)
#
#   scripts/schema-registry.sh provision     fetch and unpack the distribution once (cached)
#   scripts/schema-registry.sh start         provision if needed, start, wait until ready, print SCHEMA_REGISTRY_URL
#   scripts/schema-registry.sh stop          SIGTERM the registry we started, wait, SIGKILL if it hangs
#   scripts/schema-registry.sh status        exit 0 when running, 3 when not
#   scripts/schema-registry.sh logs [N]      last N lines of its log (default 100)
#   scripts/schema-registry.sh url           print SCHEMA_REGISTRY_URL
#
# Environment (all optional):
#   APICURIO_VERSION              io.apicurio:apicurio-registry-app version        (default 3.3.3)
#   SCHEMA_REGISTRY_PORT          HTTP port                                        (default 8081)
#   SCHEMA_REGISTRY_MGMT_PORT     health/metrics port                              (default 8091)
#   SCHEMA_REGISTRY_STORAGE       sql: H2 file under the data dir (survives restarts)
#                                 kafkasql: schemas kept in a Kafka topic (needs KAFKA_BROKERS) (default sql)
#   SCHEMA_REGISTRY_DATA_DIR      pid file, log, H2 database                       (default $PWD/.data/schema-registry)
#   STREAMTAP_CACHE               distribution cache root                          (default ~/.cache/streamtap)
#   SCHEMA_REGISTRY_HEAP_OPTS     JVM heap flags                                   (default -Xms128m -Xmx384m)
#   SCHEMA_REGISTRY_START_TIMEOUT seconds to wait for readiness                    (default 120)
#   SCHEMA_REGISTRY_JAVA          java binary, 21 or newer (default: the first Java >= 21 found on
#                                 JAVA_HOME, PATH or /usr/lib/jvm/*; Apicurio 3.3 is built for Java 21)
set -euo pipefail

APICURIO_VERSION="${APICURIO_VERSION:-3.3.3}"
PORT="${SCHEMA_REGISTRY_PORT:-8081}"
MGMT_PORT="${SCHEMA_REGISTRY_MGMT_PORT:-8091}"
STORAGE="${SCHEMA_REGISTRY_STORAGE:-sql}"
DATA_DIR="${SCHEMA_REGISTRY_DATA_DIR:-$PWD/.data/schema-registry}"
STREAMTAP_CACHE="${STREAMTAP_CACHE:-${HOME:-/root}/.cache/streamtap}"
HEAP_OPTS="${SCHEMA_REGISTRY_HEAP_OPTS:--Xms128m -Xmx384m}"
START_TIMEOUT="${SCHEMA_REGISTRY_START_TIMEOUT:-120}"
STOP_TIMEOUT=30
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

CACHE_DIR="$STREAMTAP_CACHE/apicurio-registry-$APICURIO_VERSION"
APP_DIR="$CACHE_DIR/app"
PID_FILE="$DATA_DIR/registry.pid"
LOG_FILE="$DATA_DIR/registry.log"

die() { echo "schema-registry.sh: $*" >&2; exit 1; }
info() { echo "schema-registry.sh: $*" >&2; }

url() { echo "http://localhost:$PORT/apis/ccompat/v7"; }
print_url() { echo "SCHEMA_REGISTRY_URL=$(url)"; }

# ---------------------------------------------------------------- provision

cmd_provision() {
  [[ -f "$APP_DIR/quarkus-run.jar" ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  mkdir -p "$CACHE_DIR"
  (
    flock 9
    [[ -f "$APP_DIR/quarkus-run.jar" ]] && exit 0
    info "fetching io.apicurio:apicurio-registry-app:$APICURIO_VERSION (tar.gz, ~160 MB) from Maven Central"
    rm -rf "$CACHE_DIR/dl" "$APP_DIR.tmp"
    if ! mvn -B -q "$DEP_PLUGIN:copy" -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
        -DoutputDirectory="$CACHE_DIR/dl" >"$CACHE_DIR/mvn.log" 2>&1; then
      tail -n 30 "$CACHE_DIR/mvn.log" >&2
      die "maven could not fetch the registry (full log: $CACHE_DIR/mvn.log)"
    fi
    mkdir -p "$APP_DIR.tmp"
    tar -xzf "$CACHE_DIR/dl/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$APP_DIR.tmp"
    [[ -f "$APP_DIR.tmp/quarkus-run.jar" ]] || die "quarkus-run.jar missing from the distribution"
    rm -rf "$APP_DIR" "$CACHE_DIR/dl"
    mv "$APP_DIR.tmp" "$APP_DIR"
    info "provisioned in $APP_DIR ($(du -sh "$APP_DIR" | cut -f1))"
  ) 9>"$CACHE_DIR/.lock"
}

# ---------------------------------------------------------------- helpers

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

find_java() {
  local candidates=() c
  [[ -n "${SCHEMA_REGISTRY_JAVA:-}" ]] && { echo "$SCHEMA_REGISTRY_JAVA"; return 0; }
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/*/bin/java; do [[ -x "$c" ]] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    if [[ "$(java_major "$c" 2>/dev/null || echo 0)" -ge 21 ]] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)" != Z ]]
}

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'quarkus-run.jar' || return 1
  echo "$pid"
}

ready() {
  curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$MGMT_PORT/health/ready" &&
    curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$PORT/apis/ccompat/v7/subjects"
}

answers() { curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$PORT/apis/ccompat/v7/subjects"; }

port_open() {
  # shellcheck disable=SC2016
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# ---------------------------------------------------------------- commands

cmd_start() {
  mkdir -p "$DATA_DIR"
  exec 8>"$DATA_DIR/.lock"
  flock 8
  local pid
  if pid="$(running_pid)"; then
    info "already running (pid $pid)"
    print_url; return 0
  fi
  if port_open "$PORT"; then
    answers && { info "a schema registry not started from $DATA_DIR already answers on port $PORT; using it"; print_url; return 0; }
    die "port $PORT is in use by something that is not a schema registry (set SCHEMA_REGISTRY_PORT)"
  fi
  port_open "$MGMT_PORT" && die "management port $MGMT_PORT is in use (set SCHEMA_REGISTRY_MGMT_PORT)"

  local java
  java="$(find_java)" || die "no Java 21 or newer found (Apicurio Registry $APICURIO_VERSION needs it); set SCHEMA_REGISTRY_JAVA"
  cmd_provision

  local storage=()
  case "$STORAGE" in
    sql) storage=(-Dapicurio.storage.kind=sql "-Dapicurio.datasource.url=jdbc:h2:file:$DATA_DIR/h2/registry") ;;
    kafkasql) storage=(-Dapicurio.storage.kind=kafkasql "-Dapicurio.kafkasql.bootstrap.servers=${KAFKA_BROKERS:-localhost:9092}"
                       -Dapicurio.kafkasql.topic=_streamtap_schemas) ;;
    *) die "SCHEMA_REGISTRY_STORAGE must be sql or kafkasql, got '$STORAGE'" ;;
  esac

  local offset=0
  [[ -f "$LOG_FILE" ]] && offset="$(stat -c %s "$LOG_FILE")"
  # setsid: own session, so ^C in the caller's terminal does not reach it; 8>&-: it must not hold the lock.
  # shellcheck disable=SC2086
  (cd "$APP_DIR"
   setsid "$java" $HEAP_OPTS -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$MGMT_PORT" \
    -Dquarkus.log.console.json=false -Dquarkus.http.access-log.enabled=false \
    "${storage[@]}" -jar quarkus-run.jar </dev/null >>"$LOG_FILE" 2>&1 8>&- &
    echo $! >"$PID_FILE")
  pid="$(cat "$PID_FILE")"
  info "started Apicurio Registry $APICURIO_VERSION (pid $pid, storage $STORAGE), waiting up to ${START_TIMEOUT}s"
  local t0=$SECONDS deadline=$((SECONDS + START_TIMEOUT))
  until ready; do
    if ! alive "$pid"; then
      rm -f "$PID_FILE"
      tail -c +"$((offset + 1))" "$LOG_FILE" | tail -n 40 >&2
      die "the registry exited during startup (log: $LOG_FILE)"
    fi
    if ((SECONDS >= deadline)); then
      terminate "$pid"; rm -f "$PID_FILE"
      tail -c +"$((offset + 1))" "$LOG_FILE" | tail -n 40 >&2
      die "not ready after ${START_TIMEOUT}s (raise SCHEMA_REGISTRY_START_TIMEOUT?)"
    fi
    sleep 0.5
  done
  info "ready in $((SECONDS - t0))s on localhost:$PORT (log: $LOG_FILE)"
  print_url
}

terminate() {
  local pid="$1" deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid"; do
    if ((SECONDS >= deadline)); then kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; break; fi
    sleep 0.2
  done
}

cmd_stop() {
  [[ -d "$DATA_DIR" ]] || { info "not running"; return 0; }
  exec 8>"$DATA_DIR/.lock"
  flock 8
  local pid
  if ! pid="$(running_pid)"; then rm -f "$PID_FILE"; info "not running"; return 0; fi
  info "stopping pid $pid"
  terminate "$pid"
  rm -f "$PID_FILE"
  info "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    if ready; then echo "running (pid $pid, localhost:$PORT)"; else echo "starting or unhealthy (pid $pid)"; fi
    print_url; return 0
  fi
  if answers; then echo "a schema registry not started from $DATA_DIR answers on localhost:$PORT"; print_url; return 0; fi
  echo "stopped"
  return 3
}

case "${1:-}" in
  provision) cmd_provision; info "distribution in $APP_DIR" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  logs) [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"; tail -n "${2:-100}" "$LOG_FILE" ;;
  url) print_url ;;
  -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
