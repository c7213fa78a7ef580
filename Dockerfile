# streamtap container image.
#
#   docker build -t streamtap:local .
#   docker run --rm streamtap:local --help
#   docker run --rm -e KAFKA_BROKERS=broker:9092 -e CLICKHOUSE_URL=http://clickhouse:8123 streamtap:local consume
#
# There is no build step: bin/streamtap.js runs the TypeScript sources through tsx, which is a runtime
# dependency, so TS pipeline configs load as they do on a laptop. chdb (embedded ClickHouse) ships its
# engine as a native library inside its npm package (@chdb/lib-linux-<arch>-gnu): it needs glibc, hence
# Debian bookworm rather than Alpine. docker-compose.yml runs this image as producer, consumer and mock API;
# docs/docker.md explains how.

# ---- dependencies: production packages only, resolved from the lockfile ---------------------------------
FROM node:20.20.2-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` rather than `npm ci`: the lock file holds chdb's engine package for linux-x64 only (the
# registry it was made against serves no other platform), so `npm ci` refuses it as out of sync. `npm install`
# keeps every version the lock pins and adds the engine package for the build's own platform, e.g.
# @chdb/lib-linux-arm64-gnu on Apple silicon. --omit=dev keeps typescript and eslint out; tsx, chdb and the
# rest of "dependencies" stay. The install scripts (esbuild's binary check, chdb's no-op) need no compiler.
# Loading chdb once proves the native engine runs on this base image before anything ships.
RUN npm install --omit=dev --no-audit --no-fund \
    && node -e "require('chdb')" \
    && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------------
FROM node:20.20.2-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="streamtap" \
      org.opencontainers.image.description="Streaming ETL: paginated REST APIs -> Kafka (Avro) -> ClickHouse (ReplacingMergeTree)" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV NODE_ENV=production \
    STREAMTAP_DATA_DIR=/data

WORKDIR /app
# Code and dependencies stay owned by root: the process runs as `node` and cannot modify them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY pipelines ./pipelines
COPY schemas ./schemas

# STREAMTAP_DATA_DIR: producer state and, without CLICKHOUSE_URL, the embedded ClickHouse's data.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

# The official Node image's unprivileged user (uid 1000).
USER node

ENTRYPOINT ["node", "bin/streamtap.js"]
CMD ["--help"]
