// consume(): the real consumer, Kafka → decode → ClickHouse until caught up; and the bare-insert limit.
import { applyHeapGrowingPercent, HEAP_GROWING_ENV, heapGrowingPercent } from '../../src/cli/heap-growth.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ChdbExtension } from 'chdb/connection';
import { loadResourceCodec, SchemaDecoder } from '../../src/avro/schema-store.js';
import { clickhouseSettingsFromEnv, openClickHouse } from '../../src/clickhouse/client.js';
import { consume } from '../../src/consumers/consume.js';
import { ClickHouseSink } from '../../src/consumers/sink.js';
import { quoteIdentifier } from '../../src/clickhouse/quote.js';
import { compileRowMapper, tableSpec } from '../../src/consumers/table-schema.js';
import { objectContainer } from '../../src/consumers/avro-container.js';
import { byteWriter } from '../../src/consumers/byte-lane.js';
import { avroFileInsert } from '../../src/clickhouse/embedded-insert.js';
import { SINGLE_OBJECT_HEADER_LENGTH } from '../../src/avro/single-object.js';
import { selectResources } from '../../src/config/select.js';
import { createVersionClock } from '../../src/producers/version-clock.js';
import { RestClient } from '../../src/rest/client.js';
import { extractPages } from '../../src/rest/extract.js';
import { benchKafka, benchLogger, benchSource } from '../lib/context.js';
import { checkCounts, measure, progress, total } from '../lib/harness.js';
import { probeConsumers, probeInserts } from '../lib/instrument.js';
import type { StageParams, StageResult } from '../lib/protocol.js';

async function openBenchClickHouse(params: StageParams): Promise<{ client: ClickHouseClient; openSeconds: number }> {
  const t0 = performance.now();
  const client = await openClickHouse(clickhouseSettingsFromEnv(process.env, join(params.workDir, params.stage)));
  return { client, openSeconds: (performance.now() - t0) / 1000 };
}

async function finalCounts(
  client: ClickHouseClient,
  database: string,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tables) {
    const rs = await client.query({
      query: `SELECT count() AS n, uniqExact(id) AS ids FROM ${quoteIdentifier(database)}.${quoteIdentifier(table)} FINAL`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number; ids: string | number }>();
    if (Number(row?.n) !== Number(row?.ids))
      throw new Error(`${database}.${table}: FINAL has ${String(row?.n)} rows for ${String(row?.ids)} ids`);
    out[table] = Number(row?.n ?? 0);
  }
  return out;
}

export async function runConsume(params: StageParams): Promise<StageResult> {
  // As the command sets it (V8's own factor unless STREAMTAP_HEAP_GROWING_PERCENT says otherwise).
  applyHeapGrowingPercent(heapGrowingPercent(process.env[HEAP_GROWING_ENV], 0));
  const logger = benchLogger();
  const kafka = benchKafka(logger);
  const probe = probeConsumers(kafka);
  const source = benchSource(params);
  const { client, openSeconds } = await openBenchClickHouse(params);
  const inserts = probeInserts(client);
  progress.snapshot = () => ({ consumer: probe, inserts });
  try {
    const result = await measure(params, async () => {
      const t0 = performance.now();
      const report = await consume({
        source,
        kafka,
        clickhouse: client,
        schemasDir: params.schemasDir,
        logger,
        until: 'caught-up',
      });
      const t1 = performance.now();
      const counts = Object.fromEntries(report.tables.map((t) => [t.table.slice(source.name.length + 1), t.rows]));
      checkCounts('consume (rows inserted)', counts, params.expected);
      const dead = report.tables.reduce((s, t) => s + t.deadLetters, 0);
      if (dead > 0) throw new Error(`consume: ${dead} records went to the dead-letter topics`);
      const records = total(counts);
      const steady =
        probe.firstBatchAt !== null && probe.lastBatchEndAt !== null
          ? (probe.lastBatchEndAt - probe.firstBatchAt) / 1000
          : null;
      return {
        records,
        details: {
          counts,
          // consume() start → first batch handed to eachBatch: tables, admin, group join, first fetch
          setupSeconds: probe.firstBatchAt === null ? null : (probe.firstBatchAt - t0) / 1000,
          groupJoinMs: probe.groupJoinMs,
          // first batch → last batch done: the rate once data flows
          steadySeconds: steady,
          steadyRate: steady ? Math.round(records / steady) : null,
          // shares of the consume() wall time
          batchShare: probe.batchMs.sum / (t1 - t0),
          insertShare: inserts.ms.sum / (t1 - t0),
          commitShare: probe.commitMs.sum / (t1 - t0),
          batches: { messages: probe.batchMessages.toJSON(), ms: probe.batchMs.toJSON() },
          fetches: { batches: probe.fetchBatches.toJSON(), ms: probe.fetchMs.toJSON() },
          inserts: {
            rows: inserts.rows.toJSON(),
            ms: inserts.ms.toJSON(),
            rowsPerSecondInside: Math.round(inserts.rows.sum / (inserts.ms.sum / 1000)),
          },
          commits: probe.commitMs.toJSON(),
          clickhouseOpenSeconds: openSeconds,
        },
      };
    });
    // Outside the measured window: every row is there, one per id.
    const final = await finalCounts(client, source.name, Object.keys(params.expected));
    checkCounts('consume (FINAL)', final, params.expected);
    return result;
  } finally {
    await client.close();
  }
}

/**
 * The insert limit: the rows consume() would insert (same schema, same shaping, encode, decode and row
 * mapping), built outside the clock, inserted through @clickhouse/client in large JSONEachRow batches
 * with nothing else around them. Only the insert calls are timed: that rate is the stage's figure.
 *
 * With the embedded engine it also splits that insert in two, on a twin table: JSON.stringify of the
 * rows into one JSONEachRow Buffer, and chdb's own zero-copy `rawInsert` of that Buffer (the engine's
 * parse + write, without the client's row stream and the connection's string concatenation).
 *
 * And the limit of the consumer's byte path: the engine's own ingestion of the same records' Avro bytes,
 * one object container per resource built outside the clock, through the embedded Avro insert the
 * consumer uses (a third database); only that insert is timed.
 */
export async function runInsertLimit(params: StageParams): Promise<StageResult> {
  const source = benchSource(params);
  const resources = selectResources(source, undefined);
  const embedded = !process.env.CLICKHOUSE_URL;
  // Embedded: the same client set-up as src/clickhouse/client.ts, keeping a handle on the connection
  // for its raw insert. A server: openClickHouse() itself.
  let client: ClickHouseClient;
  let raw: ChdbExtension | undefined;
  const t0 = performance.now();
  if (embedded) {
    const dir = join(params.workDir, params.stage, 'clickhouse');
    mkdirSync(dir, { recursive: true });
    const { createChdbConnection } = await import('chdb/connection');
    const connection = createChdbConnection({ path: dir });
    raw = connection.chdb;
    client = createClient({
      connection: connection as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
    });
  } else {
    client = await openClickHouse(clickhouseSettingsFromEnv(process.env, join(params.workDir, params.stage)));
  }
  await client.command({ query: 'SELECT 1' });
  const openSeconds = (performance.now() - t0) / 1000;
  // Own databases, so they never share tables with consume() when CLICKHOUSE_URL names one server.
  const database = `${source.name}_bare`;
  const rawDatabase = `${source.name}_raw`;
  const avroDatabase = `${source.name}_avro`;
  const avroInsert = raw ? avroFileInsert(raw) : undefined;
  const rest = new RestClient(source, { secrets: { env: { API_KEY: params.token } } });
  try {
    const result = await measure(params, async () => {
      const sink = new ClickHouseSink(client);
      const nextVersion = createVersionClock();
      let insertMs = 0;
      let serializeMs = 0;
      let rawInsertMs = 0;
      let jsonBytes = 0;
      let inserts = 0;
      let prepMs = 0;
      let avroMs = 0;
      let avroBytes = 0;
      let avroRecords = 0;
      const avroSkipped: string[] = [];
      const counts: Record<string, number> = {};
      for (const resource of resources) {
        const codec = await loadResourceCodec(params.schemasDir, source.name, resource.tableName);
        const decoder = new SchemaDecoder([codec]);
        const spec = tableSpec(
          database,
          resource.tableName,
          codec.schema,
          resource.primaryKey,
          resource.writeDisposition,
        );
        const toRow = compileRowMapper(spec);
        await sink.ensureTable(spec);
        if (raw) await sink.ensureTable({ ...spec, database: rawDatabase });
        if (avroInsert) await sink.ensureTable({ ...spec, database: avroDatabase });
        const bodies: Buffer[] = [];
        const table = `${quoteIdentifier(database)}.${quoteIdentifier(resource.tableName)}`;
        let rows: Record<string, unknown>[] = [];
        counts[resource.tableName] = 0;
        const flush = async (): Promise<void> => {
          if (rows.length === 0) return;
          let t = performance.now();
          await client.insert({ table, values: rows, format: 'JSONEachRow' });
          insertMs += performance.now() - t;
          inserts++;
          counts[resource.tableName] = (counts[resource.tableName] ?? 0) + rows.length;
          if (raw) {
            t = performance.now();
            const body = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
            serializeMs += performance.now() - t;
            jsonBytes += body.length;
            t = performance.now();
            await raw.rawInsert({ table: `${rawDatabase}.${resource.tableName}`, values: body, format: 'JSONEachRow' });
            rawInsertMs += performance.now() - t;
          }
          rows = [];
        };
        let p0 = performance.now();
        for await (const page of extractPages(resource, rest)) {
          for (const record of page.records) {
            const { value, extra } = codec.shape(record);
            value._extra = extra === null ? null : JSON.stringify(extra);
            value._extracted_at = page.fetchedAt;
            value._run_id = 'bench';
            value._version = nextVersion();
            const message = codec.encode(value);
            if (avroInsert) bodies.push(message.subarray(SINGLE_OBJECT_HEADER_LENGTH));
            rows.push(toRow(decoder.decode(message).value));
          }
          if (rows.length >= params.insertBatch) {
            prepMs += performance.now() - p0;
            await flush();
            p0 = performance.now();
          }
        }
        prepMs += performance.now() - p0;
        await flush();
        if (avroInsert) {
          const lane = byteWriter(codec, new Map(spec.columns.map((c) => [c.name, c.ch])), spec.primaryKey);
          // A resource the byte path cannot take has no Avro limit: the figure is left out, with why.
          if ('reason' in lane) {
            avroSkipped.push(`${resource.tableName}: ${lane.reason}`);
            continue;
          }
          const body = objectContainer(lane.header, bodies);
          const t = performance.now();
          await avroInsert({
            database: avroDatabase,
            table: resource.tableName,
            columns: lane.columns,
            targets: lane.targets,
            body,
            records: bodies.length,
            settings: {
              insert_deduplicate: 1,
              insert_deduplication_token: `bench-${resource.tableName}`,
              optimize_on_insert: 0,
            },
          });
          avroMs += performance.now() - t;
          avroBytes += body.reduce((sum, piece) => sum + piece.length, 0);
          avroRecords += bodies.length;
        }
      }
      checkCounts('insert-limit', counts, params.expected);
      const records = total(counts);
      return {
        records,
        seconds: insertMs / 1000,
        details: {
          counts,
          inserts,
          rowsPerInsert: Math.round(records / inserts),
          prepSecondsUntimed: prepMs / 1000,
          clickhouseOpenSeconds: openSeconds,
          ...(avroSkipped.length > 0 ? { avroSkipped } : {}),
          ...(raw
            ? {
                engine: {
                  jsonBytesPerRow: Math.round(jsonBytes / records),
                  serializeSeconds: serializeMs / 1000,
                  rawInsertSeconds: rawInsertMs / 1000,
                  // chdb's engine alone, given a ready JSONEachRow Buffer
                  rawInsertRate: Math.round(records / (rawInsertMs / 1000)),
                  // JSON.stringify + engine: what any JSONEachRow path must pay at least
                  serializePlusRawRate: Math.round(records / ((serializeMs + rawInsertMs) / 1000)),
                  ...(avroInsert && avroSkipped.length === 0
                    ? {
                        // the byte path's limit: the engine ingesting the same records' Avro bytes, one container per resource
                        avroBytesPerRow: Math.round(avroBytes / avroRecords),
                        avroInsertSeconds: avroMs / 1000,
                        avroIngestRate: Math.round(avroRecords / (avroMs / 1000)),
                      }
                    : {}),
                },
              }
            : {}),
        },
      };
    });
    const final = await finalCounts(client, database, Object.keys(params.expected));
    checkCounts('insert-limit (FINAL)', final, params.expected);
    if (raw)
      checkCounts(
        'insert-limit raw (FINAL)',
        await finalCounts(client, rawDatabase, Object.keys(params.expected)),
        params.expected,
      );
    if (avroInsert && (result.details as { avroSkipped?: unknown }).avroSkipped === undefined)
      checkCounts(
        'insert-limit Avro (FINAL)',
        await finalCounts(client, avroDatabase, Object.keys(params.expected)),
        params.expected,
      );
    return result;
  } finally {
    await rest.close();
    await client.close();
  }
}
