// Consumer fault tests in one process, on the real broker ($KAFKA_BROKERS) and the real ClickHouse engine
// (embedded chdb, or CLICKHOUSE_URL): replays dropped by the dedup token, a ClickHouse outage, poison
// messages and the dead-letter round trip, deletes after completed full extractions. Each ends with FINAL
// equal, row for row, to the records the API serves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { runProduce } from '../../src/cli/commands.js';
import type { Context } from '../../src/cli/context.js';
import { inspectDeadLetters, replayDeadLetters } from '../../src/cli/dlq.js';
import { loadResourceCodec } from '../../src/avro/schema-store.js';
import { consume, type ConsumeOptions, type ConsumeReport } from '../../src/consumers/consume.js';
import type { ConsumerEvent } from '../../src/observability/events.js';
import { ensureTopics } from '../../src/kafka/client.js';
import { startMockApi, TIME_ZONES, type MockApi } from '../../src/mock-api/index.js';
import { producerConfig } from '../../src/kafka/client.js';
import {
  assertFinalEvents,
  capturingLogger,
  count,
  eventEncoder,
  faultyClickHouse,
} from '../support/consumer-fixtures.js';
import { sendJson, startServer, type TestServer } from '../support/http-server.js';
import { closeSharedClickHouse, seedContext, sharedClickHouse } from '../support/pipeline.js';

const TOKEN = 'consumer-faults-token';
let api: MockApi;
const noRetrySleep = { sleep: async () => undefined };

before(async () => {
  api = await startMockApi({ token: TOKEN, events: 1000, links: 5 });
});
after(async () => {
  await api.close();
  await closeSharedClickHouse();
});

function eventsOnly(ctx: Context, writeDisposition?: 'replace'): Context {
  const source = {
    ...ctx.source,
    resources: ctx.source.resources.map((r) =>
      r.name === 'events' && writeDisposition ? { ...r, writeDisposition } : r,
    ),
  };
  return { ...ctx, source };
}

function consumeEvents(
  ctx: Context,
  ch: ClickHouseClient,
  extra: Partial<ConsumeOptions> = {},
): Promise<ConsumeReport> {
  return consume({
    source: ctx.source,
    kafka: ctx.kafka,
    clickhouse: ch,
    schemasDir: ctx.schemasDir,
    logger: ctx.logger,
    resources: ['events'],
    until: 'caught-up',
    retry: { initialMs: 20, maxMs: 200 },
    ...extra,
  });
}

test('a replay of the same offsets adds no rows: the dedup token makes ClickHouse drop it', async () => {
  const ctx = eventsOnly(seedContext(api.url, TOKEN, { limit: 100 }));
  const ch = await sharedClickHouse();
  const db = ctx.source.name;
  const produced = await runProduce(ctx, ['events'], noRetrySleep);
  assert.equal(produced.resources[0]?.records, 1000);

  const first = await consumeEvents(ctx, ch, { groupId: `${db}.first`, batch: { maxRecords: 100 } });
  assert.equal(first.tables[0]?.records, 1000);
  assert.equal(await count(ch, `SELECT count() AS n FROM ${db}.events`), 1000, '1,000 distinct keys, one row each');

  // Another group reads the same offsets from the start: every chunk carries a token ClickHouse has seen.
  const events: ConsumerEvent[] = [];
  const replay = await consumeEvents(ctx, ch, {
    groupId: `${db}.replay`,
    batch: { maxRecords: 100 },
    onEvent: (e) => events.push(e),
  });
  assert.equal(replay.tables[0]?.records, 1000);
  assert.ok(events.filter((e) => e.type === 'inserted').length >= 10, 'the replay sent its inserts');
  assert.equal(
    await count(ch, `SELECT count() AS n FROM ${db}.events`),
    1000,
    'the replayed inserts were dropped: still 1,000 raw rows',
  );
  await assertFinalEvents(ch, db, api.records('events'));
  assert.equal(
    await count(ch, `SELECT count() AS n FROM ${db}.events_latest`),
    1000,
    'the _latest view shows one row per key',
  );
});

test('ClickHouse down for 6 inserts: partition paused, nothing committed, one log line each way, then every row lands', async () => {
  const ctx = eventsOnly(seedContext(api.url, TOKEN, { limit: 100 }));
  const ch = await sharedClickHouse();
  const db = ctx.source.name;
  const groupId = `${db}.outage`;
  await runProduce(ctx, ['events'], noRetrySleep);
  const faulty = faultyClickHouse(ch, { failFirst: 6 });
  const { logger, lines } = capturingLogger();
  const events: ConsumerEvent[] = [];
  const report = await consumeEvents({ ...ctx, logger }, faulty.client, {
    groupId,
    batch: { maxRecords: 250 },
    onEvent: (e) => events.push(e),
  });

  assert.equal(faulty.stats.failures, 6);
  const failures = events.filter((e) => e.type === 'insert-failed');
  assert.equal(failures.length, 6, 'six failed attempts, retried with backoff');
  // Partitions are worked on concurrently, each retrying its own chunk: the first commit of any
  // partition comes only after an insert was accepted, i.e. after all six failures.
  const firstCommit = events.findIndex((e) => e.type === 'committed');
  const lastFailure = events.findLastIndex((e) => e.type === 'insert-failed');
  assert.ok(firstCommit > lastFailure, 'no partition committed an offset during the outage');
  const outageLines = lines.filter((l) => /ClickHouse insert failed/.test(String(l.msg)));
  const recoveryLines = lines.filter((l) => /accepts inserts again/.test(String(l.msg)));
  assert.equal(outageLines.length, 1, 'the outage is logged once, not once per attempt');
  assert.equal(recoveryLines.length, 1);
  assert.equal(recoveryLines[0]?.failedAttempts, 6);
  assert.equal(report.tables[0]?.records, 1000);
  await assertFinalEvents(ch, db, api.records('events'));
});

test('poison messages interleaved with good ones: every good record lands, every bad one is in the DLQ with its reason; replay after the fix', async () => {
  const ctx = eventsOnly(seedContext(api.url, TOKEN, { limit: 100 }));
  const ch = await sharedClickHouse();
  const db = ctx.source.name;
  const topic = `${db}.events`;
  const dlq = `${topic}.dlq`;
  const good = api.records('events').slice(0, 200) as { id: string }[];
  const rejectedId = good[137]?.id as string;
  const { encode } = await eventEncoder(ctx.schemasDir, db);
  const tzCodec = await loadResourceCodec(ctx.schemasDir, db, 'timezones');
  const tz = tzCodec.shape(TIME_ZONES[0]).value;
  Object.assign(tz, { _extra: null, _extracted_at: Date.now(), _run_id: 'x', _version: 1 });
  const poisons: { reason: string; message: { key: string; value: Buffer | null } }[] = [];
  for (let i = 0; i < 2; i++) {
    poisons.push({
      reason: 'AVRO_DECODE',
      message: { key: `poison-${i}-a`, value: Buffer.from(`not avro at all ${i}`) },
    });
    poisons.push({ reason: 'EMPTY_MESSAGE', message: { key: `poison-${i}-b`, value: null } });
    poisons.push({
      reason: 'SCHEMA_MISMATCH',
      message: { key: `poison-${i}-c`, value: tzCodec.encode({ ...tz, id: `tz-${i}` }) },
    });
    poisons.push({
      reason: 'MISSING_PRIMARY_KEY',
      message: { key: `poison-${i}-d`, value: encode({ ...good[i], id: '' }, 1).value as Buffer },
    });
    const unknown = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(`fp${i}xxxxx`), Buffer.from('body')]);
    poisons.push({ reason: 'AVRO_DECODE', message: { key: `poison-${i}-e`, value: unknown } });
  }
  // 200 good records with a poison message after every 20th: 210 messages.
  const messages = good.flatMap((record, i) => {
    const m = [encode(record, 1_000_000 + i)];
    if (i % 20 === 19) m.push(poisons[(i - 19) / 20]?.message as never);
    return m;
  });
  assert.equal(messages.length, 210);
  const admin = ctx.kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic }, { topic: dlq, partitions: 1 }]);
  await admin.disconnect();
  const producer = ctx.kafka.producer(producerConfig());
  await producer.connect();
  await producer.send({ topic, messages, acks: -1 });
  await producer.disconnect();

  // ClickHouse refuses one good row: bisection finds it, it goes to the DLQ, the rest of its chunk lands.
  const faulty = faultyClickHouse(ch, { rejectRow: (row) => row.id === rejectedId });
  const report = await consumeEvents(ctx, faulty.client, { batch: { maxRecords: 40 } });
  assert.equal(report.tables[0]?.records, 210);
  assert.equal(report.tables[0]?.deadLetters, 11, '10 poison messages and 1 row ClickHouse refused');
  assert.ok(faulty.stats.rejections >= 2, 'the chunk was bisected down to the refused row');
  await assertFinalEvents(
    ch,
    db,
    good.filter((r) => r.id !== rejectedId),
  );

  const entries = await inspectDeadLetters(ctx.kafka, dlq);
  assert.equal(entries.length, 11);
  const reasons = entries.map((e) => e.errorClass).sort();
  assert.deepEqual(reasons, [
    'AVRO_DECODE',
    'AVRO_DECODE',
    'AVRO_DECODE',
    'AVRO_DECODE',
    'CLICKHOUSE_REJECTED',
    'EMPTY_MESSAGE',
    'EMPTY_MESSAGE',
    'MISSING_PRIMARY_KEY',
    'MISSING_PRIMARY_KEY',
    'SCHEMA_MISMATCH',
    'SCHEMA_MISMATCH',
  ]);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const p of poisons) {
    const entry = byKey.get(p.message.key);
    assert.ok(entry, `dead letter for ${p.message.key}`);
    assert.equal(entry.errorClass, p.reason, `reason of ${p.message.key}`);
    assert.equal(entry.bytes, p.message.value?.length ?? 0, 'the original value is kept');
  }
  for (const e of entries) {
    assert.equal(e.originalTopic, topic);
    assert.ok(e.originalPartition !== undefined && e.originalPartition >= 0 && e.originalPartition < 3);
    assert.match(e.originalOffset ?? '', /^\d+$/);
    assert.ok(e.errorMessage.length > 0, 'the error message is there');
    assert.ok(!Number.isNaN(Date.parse(e.errorTime)));
    assert.equal(e.replayable, true);
  }
  assert.match(byKey.get(rejectedId)?.errorMessage ?? '', /Cannot parse input/);

  // The fix: ClickHouse accepts the row now. Replay sends all 11 back; the refused row lands, the 10 poison fail again.
  const replay = await replayDeadLetters(ctx.kafka, dlq);
  assert.deepEqual(replay, { replayed: 11, notReplayable: 0, byTopic: { [topic]: 11 } });
  assert.deepEqual(
    await replayDeadLetters(ctx.kafka, dlq, { dryRun: true }),
    { replayed: 0, notReplayable: 0, byTopic: {} },
    'replay resumes where it stopped',
  );
  const again = await consumeEvents(ctx, ch);
  assert.equal(again.tables[0]?.records, 11);
  assert.equal(again.tables[0]?.deadLetters, 10);
  await assertFinalEvents(ch, db, good);
  assert.equal((await inspectDeadLetters(ctx.kafka, dlq)).length, 21);
});

test('replace: a completed full extraction marks missing keys deleted; an interrupted one deletes nothing', async () => {
  const all = api.records('events').slice(0, 300) as { id: string }[];
  let serving = all;
  let failOnPage: number | undefined;
  const server: TestServer = await startServer((_req, res, url) => {
    const page = Number(url.searchParams.get('after') ?? '0');
    if (page === failOnPage) return sendJson(res, 500, { error: 'boom' });
    const entries = serving.slice(page * 100, page * 100 + 100);
    const more = (page + 1) * 100 < serving.length;
    sendJson(res, 200, { entries, metadata: { after: more ? String(page + 1) : null } });
  });
  try {
    const ctx = eventsOnly(seedContext(server.url, TOKEN, { limit: 100 }), 'replace');
    const ch = await sharedClickHouse();
    const db = ctx.source.name;
    const fail = { retries: 0, sleep: async () => undefined };
    const run = async (): Promise<{ ok: boolean; deleted: number }> => {
      const produced = await runProduce(ctx, ['events'], fail);
      const consumed = await consumeEvents(ctx, ch);
      return { ok: produced.ok, deleted: consumed.tables[0]?.deleted ?? -1 };
    };

    assert.deepEqual(await run(), { ok: true, deleted: 0 }, 'run 1: 300 records, nothing to delete');
    await assertFinalEvents(ch, db, all);

    serving = all.slice(50);
    failOnPage = 1;
    assert.deepEqual(await run(), { ok: false, deleted: 0 }, 'run 2: page 2 fails after 100 records were published');
    await assertFinalEvents(ch, db, all);

    failOnPage = undefined;
    assert.deepEqual(await run(), { ok: true, deleted: 50 }, 'run 3: complete without the first 50 records');
    await assertFinalEvents(ch, db, all.slice(50));
    assert.equal(
      await count(ch, `SELECT count() AS n FROM ${db}.events WHERE _is_deleted = 1`),
      50,
      'one delete mark per missing key',
    );
    assert.equal(
      await count(ch, `SELECT count() AS n FROM ${db}.events_latest`),
      250,
      'the _latest view hides deleted keys',
    );

    serving = all;
    assert.deepEqual(await run(), { ok: true, deleted: 0 }, 'run 4: the 50 come back with newer versions');
    await assertFinalEvents(ch, db, all);
    assert.deepEqual(await run(), { ok: true, deleted: 0 }, 'run 5: same data, nothing deleted, nothing duplicated');
    await assertFinalEvents(ch, db, all);
  } finally {
    await server.close();
  }
});
