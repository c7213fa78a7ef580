// The consumer's pure logic: batch policy, chunking, latest record per key, retry delays, DDL, run markers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  batchPolicy,
  BatchPolicyError,
  DEFAULT_BATCH_POLICY,
  fetchSettings,
  splitBatch,
} from '../../src/consumers/batch-policy.js';
import {
  deadLetter,
  describeDeadLetter,
  PoisonMessageError,
  withoutDeadLetterHeaders,
} from '../../src/consumers/dead-letter.js';
import { latestViewSql, tableStatements } from '../../src/clickhouse/ddl.js';
import {
  insertRetryPolicy,
  isMissingTable,
  isRejectedData,
  OutageLog,
  retryDelayMs,
  sleepUnlessAborted,
} from '../../src/consumers/insert-retry.js';
import { compileRecordKey, latestPerKey } from '../../src/consumers/latest.js';
import {
  decodeRunCompletion,
  encodeRunCompletion,
  RUN_COMPLETE,
  RunCompletionError,
} from '../../src/contracts/run-completion.js';
import { consumerSettings } from '../../src/consumers/settings.js';
import { tableSpec } from '../../src/consumers/table-schema.js';
import type { AvroRecordSchema } from '../../src/avro/schema-store.js';

const msg = (bytes: number, key = 'k') => ({ key: Buffer.from(key), value: Buffer.alloc(bytes - key.length) });

test('batch policy: defaults, overrides, and errors that name the field and the range', () => {
  assert.deepEqual(batchPolicy(), DEFAULT_BATCH_POLICY);
  assert.deepEqual(batchPolicy({ maxRecords: 10, maxWaitMs: undefined }), { ...DEFAULT_BATCH_POLICY, maxRecords: 10 });
  assert.throws(
    () => batchPolicy({ maxRecords: 0 }),
    (e: Error) =>
      e instanceof BatchPolicyError && /maxRecords must be an integer from 1 to 1000000, got 0/.test(e.message),
  );
  assert.throws(() => batchPolicy({ maxBytes: 1.5 }), /maxBytes must be an integer/);
  assert.throws(() => batchPolicy({ maxWaitMs: 60_001 }), /maxWaitMs .* to 60000/);
  assert.throws(() => batchPolicy({ nope: 1 } as never), /unknown batch policy field "nope"/);
  assert.ok(Object.isFrozen(batchPolicy({ maxRecords: 5 })));
});

test('batch policy: the broker waits for maxBytes at most maxWaitMs (the time half of the policy)', () => {
  const s = fetchSettings(batchPolicy({ maxBytes: 1 << 20, maxWaitMs: 250 }));
  assert.deepEqual(s, { minBytes: 1 << 20, maxWaitTimeInMs: 250, maxBytesPerPartition: 1 << 20, maxBytes: 4 << 20 });
});

test('splitBatch: closes a chunk on record count or on bytes, whichever comes first', () => {
  const policy = batchPolicy({ maxRecords: 3, maxBytes: 2048 });
  const sizes = (chunks: { value: Buffer | null }[][]) => chunks.map((c) => c.length);
  assert.deepEqual(
    sizes(
      splitBatch(
        Array.from({ length: 7 }, () => msg(10)),
        policy,
      ),
    ),
    [3, 3, 1],
    'by count: 7 records → 3 + 3 + 1',
  );
  assert.deepEqual(
    sizes(splitBatch([msg(1000), msg(1000), msg(1000), msg(10)], policy)),
    [2, 2],
    'by bytes: 2 × 1000 fit in 2048, a third does not',
  );
  assert.deepEqual(
    sizes(splitBatch([msg(10), msg(5000), msg(10)], policy)),
    [1, 1, 1],
    'an oversized message is a chunk of its own',
  );
  assert.deepEqual(splitBatch([], policy), []);
  // Chunks depend only on the messages and the policy: a replay from the same offset cuts the same chunks.
  const ms = Array.from({ length: 10 }, (_, i) => msg(100 * (i + 1)));
  assert.deepEqual(splitBatch(ms, policy), splitBatch([...ms], policy));
});

test('latestPerKey: highest _version per key wins, ties go to the later message, first-seen order kept', () => {
  const rows = [
    { key: 'a', version: 5n, row: 'a5' },
    { key: 'b', version: 1n, row: 'b1' },
    { key: 'a', version: 3n, row: 'a3-older-arrives-later' },
    { key: 'c', version: 2n, row: 'c2' },
    { key: 'b', version: 1n, row: 'b1-replayed' },
    { key: 'a', version: 9n, row: 'a9' },
  ];
  assert.deepEqual(latestPerKey(rows), ['a9', 'b1-replayed', 'c2']);
  assert.deepEqual(latestPerKey([]), []);
});

test('compileRecordKey: scalar keys as text, composite keys as a JSON array', () => {
  assert.equal(compileRecordKey(['id'])({ id: 42 }), '42');
  assert.equal(compileRecordKey(['a', 'b'])({ a: 'x', b: 1 }), '["x",1]');
  assert.notEqual(compileRecordKey(['a', 'b'])({ a: 'x,1', b: '' }), compileRecordKey(['a', 'b'])({ a: 'x', b: '1' }));
});

test('insert retry: doubling delays with equal jitter, capped; rejected data vs outages', async () => {
  const p = insertRetryPolicy({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
  assert.deepEqual(
    [1, 2, 3, 4, 5, 40].map((n) => retryDelayMs(p, n)),
    [75, 150, 300, 600, 750, 750],
  );
  assert.equal(retryDelayMs(insertRetryPolicy({ initialMs: 100, maxMs: 100, random: () => 0 }), 1), 50, 'never zero');
  assert.throws(() => insertRetryPolicy({ initialMs: 10, maxMs: 5 }), /initialMs <= maxMs/);
  assert.equal(isRejectedData({ code: '27' }), true, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED');
  assert.equal(isRejectedData({ code: '241' }), false, 'MEMORY_LIMIT_EXCEEDED is retried');
  assert.equal(isRejectedData(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), false);
  assert.equal(isMissingTable({ code: '60' }), true);
  const abort = new AbortController();
  const pending = sleepUnlessAborted(60_000, abort.signal);
  abort.abort();
  assert.equal(await pending, false, 'an abort ends the wait at once');
  assert.equal(await sleepUnlessAborted(1, new AbortController().signal), true);
});

test('OutageLog: one line when the outage starts, one when it ends, none per attempt', () => {
  const lines: { level: string; msg: string; o: Record<string, unknown> }[] = [];
  const logger = {
    error: (o: Record<string, unknown>, msg: string) => lines.push({ level: 'error', msg, o }),
    warn: (o: Record<string, unknown>, msg: string) => lines.push({ level: 'warn', msg, o }),
  } as never;
  let now = 1000;
  const log = new OutageLog(logger, () => now);
  for (let i = 0; i < 50; i++) log.failed('db.events', new Error('ECONNREFUSED'));
  assert.equal(log.down, true);
  now = 4000;
  log.recovered('db.events');
  log.recovered('db.events');
  assert.deepEqual(
    lines.map((l) => l.level),
    ['error', 'warn'],
  );
  assert.deepEqual(lines[1]?.o, { table: 'db.events', downMs: 3000, failedAttempts: 50 });
});

const schema: AvroRecordSchema = {
  type: 'record',
  name: 'T',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'n', type: ['null', 'long'] },
    { name: '_extra', type: ['null', 'string'] },
    { name: '_extracted_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: '_run_id', type: 'string' },
    { name: '_version', type: 'long' },
  ],
};

test('DDL: one server — table with the dedup window, and the _latest view; replace adds _is_deleted', () => {
  const [db, table, view] = tableStatements(tableSpec('src', 'things', schema, ['id'], 'replace'));
  assert.equal(db, 'CREATE DATABASE IF NOT EXISTS `src`');
  assert.match(table ?? '', /`_is_deleted` UInt8 DEFAULT 0/);
  assert.match(
    table ?? '',
    /ENGINE = ReplacingMergeTree\(_version, _is_deleted\) ORDER BY \(`id`\)\nSETTINGS non_replicated_deduplication_window = 10000, vertical_merge_algorithm_min_rows_to_activate = 1, vertical_merge_algorithm_min_columns_to_activate = 1$/,
  );
  assert.equal(
    view,
    'CREATE VIEW IF NOT EXISTS `src`.`things_latest` AS SELECT * EXCEPT (_is_deleted) FROM `src`.`things` FINAL',
  );
  const merge = tableStatements(tableSpec('src', 'things', schema, ['id'], 'merge'));
  assert.doesNotMatch(merge[1] ?? '', /_is_deleted/);
  assert.match(merge[1] ?? '', /ReplacingMergeTree\(_version\) ORDER BY \(`id`\)/);
  assert.equal(
    latestViewSql(tableSpec('src', 'log', schema, ['id'], 'append')),
    'CREATE VIEW IF NOT EXISTS `src`.`log_latest` AS SELECT * FROM `src`.`log` ORDER BY _version DESC LIMIT 1 BY `id`',
  );
});

test('DDL: a cluster — ON CLUSTER, ReplicatedReplacingMergeTree, and optionally Distributed over _local shards', () => {
  const spec = tableSpec('src', 'things', schema, ['id'], 'replace');
  const replicated = tableStatements(spec, { cluster: 'main' });
  assert.deepEqual(
    replicated.map((s) => s.split('\n')[0]),
    [
      'CREATE DATABASE IF NOT EXISTS `src` ON CLUSTER `main`',
      'CREATE TABLE IF NOT EXISTS `src`.`things` ON CLUSTER `main` (',
      'CREATE VIEW IF NOT EXISTS `src`.`things_latest` ON CLUSTER `main` AS SELECT * EXCEPT (_is_deleted) FROM `src`.`things` FINAL',
    ],
  );
  assert.match(
    replicated[1] ?? '',
    /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}', _version, _is_deleted\) ORDER BY \(`id`\)$/,
  );
  const sharded = tableStatements(spec, { cluster: 'main', distributed: true });
  assert.match(sharded[1] ?? '', /^CREATE TABLE IF NOT EXISTS `src`.`things_local` ON CLUSTER `main`/);
  assert.equal(
    sharded[2],
    "CREATE TABLE IF NOT EXISTS `src`.`things` ON CLUSTER `main` AS `src`.`things_local`\nENGINE = Distributed('main', 'src', 'things_local', cityHash64(`id`))",
  );
  const plain = tableStatements(spec, { cluster: 'main', replicated: false });
  assert.match(
    plain[1] ?? '',
    /ENGINE = ReplacingMergeTree\(_version, _is_deleted\) ORDER BY \(`id`\)\nSETTINGS non_replicated_deduplication_window = 10000$/,
  );
});

test('consumer settings: env, flags over env, and errors that say which setting', () => {
  const s = consumerSettings(
    { batchRecords: '500' },
    { STREAMTAP_BATCH_RECORDS: '100', STREAMTAP_BATCH_WAIT_MS: '50', STREAMTAP_CLICKHOUSE_CLUSTER: 'c' },
  );
  assert.equal(s.batch.maxRecords, 500);
  assert.equal(s.batch.maxWaitMs, 50);
  assert.deepEqual(s.topology, { cluster: 'c', replicated: undefined, distributed: undefined });
  assert.equal(s.shutdownTimeoutMs, 30_000);
  assert.deepEqual(s.group, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 }, 'a kill is noticed in ~10 s');
  assert.deepEqual(consumerSettings({ heartbeatIntervalMs: '3000' }, { STREAMTAP_SESSION_TIMEOUT_MS: '45000' }).group, {
    sessionTimeoutMs: 45_000,
    heartbeatIntervalMs: 3_000,
  });
  assert.throws(
    () => consumerSettings({}, { STREAMTAP_SESSION_TIMEOUT_MS: '800' }),
    /heartbeat interval \(1000 ms\) must be above 0 and below the session timeout \(800 ms\)/,
  );
  assert.throws(
    () => consumerSettings({}, { STREAMTAP_BATCH_BYTES: 'lots' }),
    /STREAMTAP_BATCH_BYTES must be an integer, got "lots"/,
  );
  assert.throws(() => consumerSettings({ distributed: true }, {}), /Distributed table needs a cluster/);
  assert.throws(() => consumerSettings({}, { STREAMTAP_CLICKHOUSE_REPLICATED: 'maybe' }), /must be 1 or 0/);
});

test('dead letters keep the original message and say why and where from; a replay strips the reasons', () => {
  const original = { key: Buffer.from('k1'), value: Buffer.from([1, 2, 3]), headers: { 'streamtap.run_id': 'r1' } };
  const letter = deadLetter(
    original,
    { topic: 's.events', partition: 2, offset: '41' },
    new PoisonMessageError('MISSING_PRIMARY_KEY', 'record has no primary key "id"'),
  );
  assert.equal(letter.key, original.key);
  assert.equal(letter.value, original.value);
  const entry = describeDeadLetter(0, { ...letter, offset: '7', timestamp: '0', attributes: 0, size: 0 } as never);
  assert.equal(entry.errorClass, 'MISSING_PRIMARY_KEY');
  assert.equal(entry.errorMessage, 'record has no primary key "id"');
  assert.equal(entry.originalTopic, 's.events');
  assert.equal(entry.originalPartition, 2);
  assert.equal(entry.originalOffset, '41');
  assert.equal(entry.errorUrl, 'kafka://s.events/2/41');
  assert.ok(!Number.isNaN(Date.parse(entry.errorTime)));
  assert.equal(entry.replayable, true);
  assert.deepEqual(withoutDeadLetterHeaders(letter.headers ?? {}), { 'streamtap.run_id': 'r1' });
});

test('run-completion messages round-trip; anything else is refused with the reason', () => {
  const completion = {
    type: RUN_COMPLETE,
    source: 's',
    resource: 'r',
    topic: 's.r',
    runId: 'run-1',
    startVersion: 10,
    endVersion: 20,
    endOffsets: { '0': '5', '1': '0' },
    completedAt: '2026-01-01T00:00:00.000Z',
  } as const;
  const message = encodeRunCompletion(completion);
  assert.deepEqual(decodeRunCompletion(Buffer.from(message.value as string)), completion);
  assert.throws(
    () => decodeRunCompletion(Buffer.from('{')),
    (e: Error) => e instanceof RunCompletionError && /not JSON/.test(e.message),
  );
  assert.throws(
    () => decodeRunCompletion(Buffer.from(JSON.stringify({ ...completion, startVersion: 30 }))),
    /not an extraction-complete message/,
  );
  assert.throws(
    () => decodeRunCompletion(Buffer.from(JSON.stringify({ ...completion, endOffsets: { '0': -1 } }))),
    RunCompletionError,
  );
  assert.throws(() => decodeRunCompletion(null), RunCompletionError);
});
