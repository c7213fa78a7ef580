// Schema evolution end to end, on the real broker and the real ClickHouse engine, with a small API of
// our own (node:http) whose records change shape between steps:
//   1. `schema infer` writes v1; records flow to ClickHouse through a consumer that keeps running;
//   2. the API adds a field (and a nested one); `schema infer` writes v2 and keeps v1 beside it; the
//      running consumer picks v2 up, adds the columns, and old rows read NULL there while new rows carry
//      the value; every message of both versions decodes with an independent decoder;
//   3. a mistyped value survives to ClickHouse in `_extra`, counted and reported once with a hint; an
//      unknown field, under dlt's default schema_contract (columns evolve), makes the producer write v3;
//   4. a hand-edited v3 that the table cannot store stops that table's consumer with a clear error and
//      leaves its offsets uncommitted.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { schemaDrift } from '../../src/avro/drift.js';
import { formatInferResults, inferSchemas } from '../../src/cli/schema-infer.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { consume } from '../../src/consumers/consume.js';
import { createLogger } from '../../src/log.js';
import { produce } from '../../src/producers/produce.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { sendJson, startServer, type TestServer } from '../support/http-server.js';
import { closeSharedClickHouse, queryRows, sharedClickHouse, testKafka, testLogger } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const TOKEN = 'evolution-token';
const COUNT = 30;
let phase: 1 | 2 | 3 = 1;
let server: TestServer;
let ch: ClickHouseClient;

function item(i: number): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: `item-${i}`,
    name: `Item ${i}`,
    qty: i,
    owner: { email: `owner${i}@example.com`, ...(phase >= 2 ? { team: `team-${i % 3}` } : {}) },
    updated_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000 + (phase - 1) * 86_400_000).toISOString(),
  };
  if (phase >= 2) base.priority = i % 5;
  if (phase === 3 && i === 0) {
    base.priority = 'urgent'; // does not fit long
    base.surprise = { deep: true }; // not in the schema
  }
  return base;
}

before(async () => {
  server = await startServer((req, res, url) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return sendJson(res, 401, { error: 'unauthorized' });
    // From v2 on, the last item is no longer listed: its row keeps what v1 wrote.
    const total = phase === 1 ? COUNT : COUNT - 1;
    const after = Number(url.searchParams.get('after') ?? 0);
    const end = Math.min(total, after + 10);
    const entries = Array.from({ length: end - after }, (_, k) => item(after + k));
    sendJson(res, 200, { entries, metadata: { after: end < total ? String(end) : null } });
  });
  ch = await sharedClickHouse();
});
after(async () => {
  await server.close();
  await closeSharedClickHouse();
});

const name = `evo_${randomBytes(4).toString('hex')}`;
const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-evo-'));
const kafka = testKafka();
const logLines: string[] = [];
const logger = createLogger('warn', { write: (line: string) => void logLines.push(line) });
const source = () =>
  parseSourceConfig(
    {
      client: { base_url: server.url, auth: { type: 'bearer', token: { $secret: 'api_key' } } },
      resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
      resources: [
        {
          name: 'items',
          endpoint: {
            path: '/items',
            data_selector: 'entries',
            paginator: {
              type: 'cursor',
              cursor_param: 'after',
              cursor_path: 'metadata.after',
              stop_condition: 'metadata.after is none',
            },
          },
        },
      ],
    },
    { name, origin: 'test', env: { API_KEY: TOKEN } },
  );
const secrets = { env: { API_KEY: TOKEN } };
const table = `${name}.items`;

async function runProduce() {
  const report = await produce({ source: source(), kafka, schemasDir, secrets, logger, partitions: 2 });
  assert.equal(report.ok, true, JSON.stringify(report.resources));
  return report;
}

/** Polls until `check` holds; the consumer runs in the background, so there is no event to wait on. */
async function until<T>(
  what: string,
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The column may not exist yet either: that is "not yet", like a smaller count.
    const value = await probe().catch((error: Error) => error);
    if (!(value instanceof Error) && check(value)) return value;
    if (Date.now() > deadline)
      assert.fail(
        `timed out waiting for ${what}; last: ${value instanceof Error ? value.message : JSON.stringify(value)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

const count = (where = '1') =>
  queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${table} FINAL WHERE ${where}`).then((r) =>
    Number(r[0]?.n ?? 0),
  );

let stopConsumer: AbortController;
let running: Promise<unknown>;

test('v1: schema infer writes the schema, records reach ClickHouse through a running consumer', async () => {
  const [v1] = await inferSchemas({ source: source(), secrets, schemasDir }, undefined, 10);
  assert.equal(v1?.action, 'created');
  assert.equal(v1?.records, COUNT);
  stopConsumer = new AbortController();
  running = consume({
    source: source(),
    kafka,
    clickhouse: ch,
    schemasDir,
    logger: testLogger(),
    until: 'signal',
    signal: stopConsumer.signal,
  });
  running.catch(() => undefined);
  await runProduce();
  await until(
    'v1 rows',
    () => count(),
    (n) => n === COUNT,
  );
});

test('v2: the API adds a field; schema infer widens to v2; the running consumer adds the columns; old rows read NULL there', async () => {
  phase = 2;
  const results = await inferSchemas({ source: source(), secrets, schemasDir }, undefined, 10);
  const diff = formatInferResults(results, schemasDir);
  assert.match(diff, /^items: .*items\.avsc v1 → v2, updated/m);
  assert.match(diff, /^ {2}\+ owner\.team +null \| string$/m);
  assert.match(diff, /^ {2}\+ priority +null \| long$/m);

  await runProduce();
  await until(
    'v2 rows',
    () => count('priority IS NOT NULL'),
    (n) => n === COUNT - 1,
  );
  const columns = await queryRows<{ name: string; type: string }>(
    ch,
    `SELECT name, type FROM system.columns WHERE database = '${name}' AND table = 'items'`,
  );
  const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
  assert.equal(types.priority, 'Nullable(Int64)');
  // owner may be null (["null", record]): a Nullable(Tuple) that gained its new element
  assert.equal(types.owner, 'Nullable(Tuple(email Nullable(String), team Nullable(String)))');

  // item-29 was written under v1 only: it reads NULL in the new columns; the others carry the values.
  const rows = await queryRows<{ id: string; priority: number | null; team: string | null }>(
    ch,
    `SELECT id, priority, owner.team AS team FROM ${table} FINAL WHERE id IN ('item-7', 'item-29') ORDER BY id`,
  );
  assert.deepEqual(rows, [
    { id: 'item-29', priority: null, team: null },
    { id: 'item-7', priority: 2, team: 'team-1' },
  ]);
  assert.equal(await count(), COUNT);
  const latest = await queryRows<{ priority: number; team: string; updated_at: string }>(
    ch,
    `SELECT priority, owner.team AS team, updated_at FROM ${name}.items_latest WHERE id = 'item-7'`,
  );
  assert.deepEqual(
    latest,
    [{ priority: 2, team: 'team-1', updated_at: '2024-01-02 00:07:00.000' }],
    'the _latest view shows the new columns',
  );

  // Every message, of either version, decodes with the schema files alone.
  const decoder = new IndependentDecoder(schemasDir);
  const files = (await readTopic(kafka, `${name}.items`)).map((m) =>
    decoder.decode(m.value as Buffer).file.replace(/.*\//, ''),
  );
  assert.deepEqual(
    Object.fromEntries(['items.v1.avsc', 'items.avsc'].map((f) => [f, files.filter((x) => x === f).length])),
    { 'items.v1.avsc': COUNT, 'items.avsc': COUNT - 1 },
  );
});

test('a mistyped value survives to ClickHouse in _extra, counted and reported once with a hint; an unknown field evolves the schema to v3', async () => {
  phase = 3;
  schemaDrift.reset();
  logLines.length = 0;
  await runProduce();
  await until(
    'the drifted record',
    () => count(`id = 'item-0' AND _extra IS NOT NULL`),
    (n) => n === 1,
  );
  const [row] = await queryRows<{ priority: number | null; _extra: string }>(
    ch,
    `SELECT priority, _extra FROM ${table} FINAL WHERE id = 'item-0'`,
  );
  assert.equal(row?.priority, null);
  assert.deepEqual(JSON.parse(row?._extra ?? 'null'), { priority: 'urgent' });
  assert.deepEqual(Object.fromEntries(schemaDrift.get(name, 'items')?.paths ?? []), { priority: 1 });
  const [surprise] = await queryRows<{ deep: boolean }>(
    ch,
    `SELECT surprise.deep AS deep FROM ${table} FINAL WHERE id = 'item-0'`,
  );
  assert.equal(surprise?.deep, true, 'the running consumer added the column of v3');
  const v3 = JSON.parse(readFileSync(join(schemasDir, name, 'items.avsc'), 'utf8')) as { version: number };
  assert.equal(v3.version, 3);
  assert.ok(existsSync(join(schemasDir, name, 'items.v2.avsc')), 'v2 kept as history');
  const hints = logLines
    .map((l) => JSON.parse(l) as { msg: string; paths?: unknown })
    .filter((l) => l.msg.includes('schema infer'));
  assert.equal(hints.length, 1, 'reported once per run');
  assert.match(
    hints[0]?.msg ?? '',
    /^1 evo_\w+\.items records carried fields that .*items\.avsc does not know, .* Run `streamtap schema infer <config> --resource items`/,
  );
  assert.deepEqual(hints[0]?.paths, { priority: 1 });
  stopConsumer.abort();
  await running;
});

test('a schema change the table cannot store stops that table with a clear error; its offsets stay uncommitted', async () => {
  // By hand, v4 turns `owner` into JSON text: the Tuple column cannot become a String of JSON.
  const file = join(schemasDir, name, 'items.avsc');
  const v3Text = readFileSync(file, 'utf8');
  writeFileSync(join(schemasDir, name, 'items.v3.avsc'), v3Text);
  const v4 = JSON.parse(v3Text) as { version: number; fields: { name: string; type: unknown }[] };
  v4.version = 4;
  for (const f of v4.fields) if (f.name === 'owner') f.type = ['null', 'string'];
  writeFileSync(file, `${JSON.stringify(v4, null, 2)}\n`);

  const admin = kafka.admin();
  await admin.connect();
  const committed = async () =>
    (await admin.fetchOffsets({ groupId: `streamtap.${name}`, topics: [`${name}.items`] }))[0]?.partitions
      .map((p) => `${p.partition}:${p.offset}`)
      .sort();
  const before = await committed();
  const rowsBefore = await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${table}`);
  await runProduce();
  await assert.rejects(
    consume({ source: source(), kafka, clickhouse: ch, schemasDir, logger: testLogger(), until: 'caught-up' }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SCHEMA_INCOMPATIBLE');
      assert.match(
        error.message,
        /^evo_\w+\.items cannot store records of a newer schema: owner: the table has Tuple\(email Nullable\(String\), team Nullable\(String\)\), the schema needs String/,
      );
      assert.match(error.message, /items\.avsc \(version 4\)/);
      assert.match(error.message, /offsets uncommitted, so nothing is lost/);
      return true;
    },
  );
  assert.deepEqual(await committed(), before, 'no offset was committed');
  assert.deepEqual(
    await queryRows<{ n: string }>(ch, `SELECT count() AS n FROM ${table}`),
    rowsBefore,
    'nothing was inserted',
  );
  await admin.disconnect();
});
