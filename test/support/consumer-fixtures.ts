// Helpers for the consumer fault tests: ClickHouse that fails on purpose, bounded waits, encoded records,
// and the row-for-row comparison of FINAL with the records the API served.
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { ClickHouseError, type ClickHouseClient } from '@clickhouse/client';
import type { Kafka, Message } from 'kafkajs';
import { pino, type Logger } from 'pino';
import { loadResourceCodec, type ResourceCodec } from '../../src/avro/schema-store.js';
import { queryRows } from './pipeline.js';

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface InsertFaults {
  /** the first N inserts fail as if the server were unreachable */
  failFirst?: number;
  /** inserts holding a row for which this is true fail as ClickHouse does for a row it cannot parse */
  rejectRow?: (row: Record<string, unknown>) => boolean;
  /** called after every insert ClickHouse accepted; may block to hold the consumer there */
  afterInsert?: (n: number) => Promise<void> | void;
  /** called before each failing insert, with the failure count so far (1-based) */
  onFailure?: (n: number) => Promise<void> | void;
}

export interface FaultyClickHouse {
  readonly client: ClickHouseClient;
  readonly stats: { inserts: number; failures: number; rejections: number };
}

/**
 * Wraps a real client: everything passes through, except the insert faults asked for. The sink's
 * inserts through a client are `exec` of `INSERT … FORMAT JSONCompactEachRow` (insert-writer.ts); the
 * wrapper reads their rows back to decide a fault and hands the same bytes on.
 */
export function faultyClickHouse(inner: ClickHouseClient, faults: InsertFaults): FaultyClickHouse {
  const stats = { inserts: 0, failures: 0, rejections: 0 };
  const exec: ClickHouseClient['exec'] = async (params) => {
    const values = (params as { values?: Readable }).values;
    const columns = /^INSERT INTO .*? \((.*)\) FORMAT JSONCompactEachRow$/.exec(params.query)?.[1];
    if (!values || columns === undefined) return inner.exec(params);
    if (stats.failures < (faults.failFirst ?? 0)) {
      stats.failures++;
      await faults.onFailure?.(stats.failures);
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    }
    const body = Buffer.concat(await values.toArray());
    if (faults.rejectRow) {
      const names = columns.split(', ').map((c) => c.slice(1, -1));
      const rows = body
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => Object.fromEntries((JSON.parse(line) as unknown[]).map((v, i) => [names[i], v])));
      if (rows.some((r) => faults.rejectRow?.(r))) {
        stats.rejections++;
        throw new ClickHouseError({
          message: "Cannot parse input: expected '\"' (at row 1)",
          code: '27',
          type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
        });
      }
    }
    const result = await inner.exec({ ...params, values: Readable.from([body], { objectMode: false }) });
    stats.inserts++;
    await faults.afterInsert?.(stats.inserts);
    return result;
  };
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'exec') return exec;
      // The embedded engine's raw insert would bypass the faults: every insert goes through `exec` here.
      if (prop === 'rawInsert') return undefined;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, stats };
}

/** A logger whose JSON lines are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Encodes API records as the producer does (envelope included), for tests that write topics themselves. */
export async function eventEncoder(
  schemasDir: string,
  source: string,
): Promise<{ codec: ResourceCodec; encode: (record: unknown, version: number) => Message }> {
  const codec = await loadResourceCodec(schemasDir, source, 'events');
  return {
    codec,
    encode: (record, version) => {
      const { value, extra } = codec.shape(record);
      value._extra = extra === null ? null : JSON.stringify(extra);
      value._extracted_at = Date.now();
      value._run_id = 'test-run';
      value._version = version;
      return { key: String((record as { id: string }).id), value: codec.encode(value) };
    },
  };
}

export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

export interface EventRow {
  id: string;
  state: string | null;
  summary: string | null;
  duration: string | number | null;
  start_at: string | null;
  end_at: string | null;
}

/**
 * FINAL holds exactly `expected` (the API's latest records): the same keys, row for row, and each row's
 * scalar fields equal to the record's. (Nested fields are the table mapping's business, tested with it.)
 */
export async function assertFinalEvents(ch: ClickHouseClient, db: string, expected: readonly unknown[]): Promise<void> {
  assertEventRows(await queryRows<EventRow>(ch, finalEventsQuery(db)), expected);
}

export function finalEventsQuery(db: string): string {
  return `SELECT id, state, summary, duration, start_at, end_at FROM ${db}.events FINAL ORDER BY id`;
}

export function assertEventRows(rows: readonly EventRow[], expected: readonly unknown[]): void {
  const byId = new Map((expected as Record<string, unknown>[]).map((r) => [String(r.id), r]));
  assert.equal(rows.length, byId.size, `FINAL has ${rows.length} rows, expected ${byId.size}`);
  const time = (v: unknown): number =>
    v === null || v === undefined ? NaN : Date.parse(String(v).includes('T') ? String(v) : `${String(v)}Z`);
  for (const row of rows) {
    const api = byId.get(row.id);
    assert.ok(api, `row ${row.id} is one of the expected records`);
    assert.equal(row.state, api.state, `state of ${row.id}`);
    assert.equal(row.summary, api.summary, `summary of ${row.id}`);
    assert.equal(Number(row.duration), api.duration, `duration of ${row.id}`);
    assert.equal(time(row.start_at), time(api.start_at), `start_at of ${row.id}`);
    assert.equal(time(row.end_at), time(api.end_at), `end_at of ${row.id}`);
  }
}

export async function count(ch: ClickHouseClient, query: string): Promise<number> {
  const [row] = await queryRows<{ n: string | number }>(ch, query);
  return Number(row?.n ?? NaN);
}
