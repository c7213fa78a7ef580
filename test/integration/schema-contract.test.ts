// dlt's schema_contract at run time, end to end on the real broker and the real ClickHouse engine, with
// the REST API mocked by a local HTTP server. One API, one resource per contract mode, the same drift on
// each: page 2 brings a record with a field the schema does not know (`coupon`) and one whose value does
// not fit its type (`qty: "lots"`). What lands in ClickHouse, in the dead-letter topic (with its reason)
// and in the schema files is asserted exactly for each mode (docs/schemas.md, "Schema contract").
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ClickHouseClient } from '@clickhouse/client';
import { schemaDrift } from '../../src/avro/drift.js';
import { inferMissingSchemas, writeInferred } from '../../src/cli/schema-infer.js';
import { collectStatus, formatStatus } from '../../src/cli/status.js';
import { recordRuns, toRunRecord } from '../../src/observability/runs.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { consume } from '../../src/consumers/consume.js';
import { createLogger } from '../../src/log.js';
import { produce, type ProduceReport } from '../../src/producers/produce.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { sendJson, startServer, type TestServer } from '../support/http-server.js';
import { closeSharedClickHouse, queryRows, sharedClickHouse, testKafka, testLogger } from '../support/pipeline.js';
import { readTopic } from '../support/topic-reader.js';

const item = (i: number) => ({ id: `item-${i}`, name: `Item ${i}`, qty: i });
const PAGES: Record<string, unknown>[][] = [
  [item(0), item(1), item(2)],
  [{ ...item(3), coupon: 'C3' }, { ...item(4), qty: 'lots' }, item(5)],
];

let server: TestServer;
let ch: ClickHouseClient;
before(async () => {
  server = await startServer((_req, res, url) => {
    const page = Number(url.searchParams.get('page') ?? '1');
    sendJson(res, 200, { data: PAGES[page - 1] ?? [], next: page < PAGES.length ? String(page + 1) : null });
  });
  ch = await sharedClickHouse();
});
after(async () => {
  await server.close();
  await closeSharedClickHouse();
});

const name = `contract_${randomBytes(4).toString('hex')}`;
const schemasDir = mkdtempSync(join(tmpdir(), 'streamtap-contract-'));
const kafka = testKafka();
const logLines: string[] = [];
const logger = createLogger('warn', { write: (line: string) => void logLines.push(line) });
const MODES = {
  evolve_items: undefined, // dlt's default: evolve everywhere
  freeze_items: 'freeze',
  discard_row_items: 'discard_row',
  discard_value_items: 'discard_value',
} as const;
type Resource = keyof typeof MODES;

const source = (resources: { name: string; schema_contract?: unknown }[]) =>
  parseSourceConfig(
    {
      client: { base_url: server.url },
      resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
      resources: resources.map((r) => ({
        ...r,
        endpoint: {
          path: '/items',
          data_selector: 'data',
          paginator: { type: 'cursor', cursor_path: 'next', cursor_param: 'page' },
        },
      })),
    },
    { name, origin: 'test', env: {} },
  );
const contractSource = () =>
  source(
    Object.entries(MODES).map(([resource, mode]) =>
      mode === undefined ? { name: resource } : { name: resource, schema_contract: mode },
    ),
  );

let report: ProduceReport;
const resourceReport = (resource: Resource) => report.resources.find((r) => r.resource === resource)!;

async function until<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe().catch((error: Error) => error);
    if (!(value instanceof Error) && check(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${String(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Row {
  id: string;
  qty: number | null;
  coupon?: string | null;
  _extra: string | null;
}
const rows = (resource: Resource, columns = 'id, qty, _extra') =>
  queryRows<Row>(ch, `SELECT ${columns} FROM ${name}.${resource} FINAL ORDER BY id`);

/** The dead letters of `resource`; each is keyed by its record's key, as on the data topic. */
async function deadLetters(resource: string) {
  return (await readTopic(kafka, `${name}.${resource}.dlq`)).map((m) => {
    const id = (JSON.parse(String(m.value)) as { id: string }).id;
    assert.equal(m.key?.toString(), String(id), `the dead letter of ${id} is keyed by it`);
    return {
      id,
      class: String(m.headers?.['streamtap.error.class']),
      message: String(m.headers?.['streamtap.error.message']),
    };
  });
}

test('one run, one resource per contract mode, the same drift on each; a running consumer loads them', async () => {
  // v1 of every schema from page 1: id, name, qty (long).
  for (const resource of Object.keys(MODES))
    await writeInferred(join(schemasDir, name, `${resource}.avsc`), PAGES[0]!, {
      source: name,
      resource,
      primaryKey: ['id'],
    });
  schemaDrift.reset();
  const stop = new AbortController();
  // Started before the producer: its tables are created from v1, so evolve's column is added mid-run.
  const running = consume({
    source: contractSource(),
    kafka,
    clickhouse: ch,
    schemasDir,
    logger: testLogger(),
    until: 'signal',
    signal: stop.signal,
  });
  running.catch(() => undefined);
  report = await produce({ source: contractSource(), kafka, schemasDir, secrets: { env: {} }, logger, partitions: 1 });
  const expected: Record<Resource, number> = {
    evolve_items: 6,
    freeze_items: 3,
    discard_row_items: 4,
    discard_value_items: 6,
  };
  for (const [resource, n] of Object.entries(expected))
    await until(
      `${n} rows in ${resource}`,
      () => rows(resource as Resource),
      (r) => r.length === n,
    );
  stop.abort();
  await running;
});

test('evolve (the default): the schema gains the field as v2 (v1 kept), the table its column; a mismatched value stays in _extra', async () => {
  assert.equal(resourceReport('evolve_items').ok, true);
  assert.deepEqual(
    readdirSync(join(schemasDir, name))
      .filter((f) => f.startsWith('evolve_items'))
      .sort(),
    ['evolve_items.avsc', 'evolve_items.v1.avsc'],
  );
  const v2 = JSON.parse(readFileSync(join(schemasDir, name, 'evolve_items.avsc'), 'utf8')) as {
    version: number;
    fields: { name: string }[];
  };
  assert.equal(v2.version, 2);
  assert.deepEqual(
    v2.fields.find((f) => f.name === 'coupon'),
    { name: 'coupon', type: ['null', 'string'], default: null },
  );
  assert.deepEqual(await rows('evolve_items', 'id, qty, coupon, _extra'), [
    { id: 'item-0', qty: 0, coupon: null, _extra: null },
    { id: 'item-1', qty: 1, coupon: null, _extra: null },
    { id: 'item-2', qty: 2, coupon: null, _extra: null },
    { id: 'item-3', qty: 3, coupon: 'C3', _extra: null },
    { id: 'item-4', qty: null, coupon: null, _extra: '{"qty":"lots"}' },
    { id: 'item-5', qty: 5, coupon: null, _extra: null },
  ]);
  assert.deepEqual(await deadLetters('evolve_items'), []);
  // A subscriber decodes every message with the schema files alone: v1 before the new field, v2 from it on.
  const decoder = new IndependentDecoder(schemasDir);
  const files = (await readTopic(kafka, `${name}.evolve_items`)).map((m) => [
    decoder.decode(m.value as Buffer).value.id,
    decoder.decode(m.value as Buffer).file.replace(/.*\//, ''),
  ]);
  assert.deepEqual(Object.fromEntries(files), {
    'item-0': 'evolve_items.v1.avsc',
    'item-1': 'evolve_items.v1.avsc',
    'item-2': 'evolve_items.v1.avsc',
    'item-3': 'evolve_items.avsc',
    'item-4': 'evolve_items.avsc',
    'item-5': 'evolve_items.avsc',
  });
  const evolved = logLines.filter((l) => l.includes('schema_contract columns evolve'));
  assert.equal(evolved.length, 1, 'logged once');
});

test('freeze: the first record with an unknown field is dead-lettered with the reason and the resource fails; nothing after it is published', async () => {
  const r = resourceReport('freeze_items');
  assert.equal(r.ok, false);
  assert.match(
    r.error ?? '',
    /schema_contract columns is "freeze" and the record has "coupon", which .*freeze_items\.avsc does not know/,
  );
  assert.deepEqual(await rows('freeze_items'), [
    { id: 'item-0', qty: 0, _extra: null },
    { id: 'item-1', qty: 1, _extra: null },
    { id: 'item-2', qty: 2, _extra: null },
  ]);
  const dead = await deadLetters('freeze_items');
  assert.deepEqual(
    dead.map((d) => [d.id, d.class]),
    [['item-3', 'SCHEMA_CONTRACT']],
  );
  assert.match(dead[0]!.message, /columns is "freeze".*"coupon".*DataValidationError/);
  assert.deepEqual(
    readdirSync(join(schemasDir, name)).filter((f) => f.startsWith('freeze_items')),
    ['freeze_items.avsc'],
  );
});

test('discard_row: both drifted records go to the dead-letter topic with their reason, counted and reported once; the run succeeds', async () => {
  const r = resourceReport('discard_row_items');
  assert.equal(r.ok, true);
  assert.deepEqual([r.records, r.rejected, r.discardedRows], [4, 0, 2]);
  assert.deepEqual(
    (await rows('discard_row_items')).map((x) => x.id),
    ['item-0', 'item-1', 'item-2', 'item-5'],
  );
  const dead = await deadLetters('discard_row_items');
  assert.deepEqual(
    dead.map((d) => [d.id, d.class]),
    [
      ['item-3', 'SCHEMA_CONTRACT'],
      ['item-4', 'SCHEMA_CONTRACT'],
    ],
  );
  assert.match(dead[0]!.message, /columns is "discard_row" and the record has "coupon"/);
  assert.match(dead[1]!.message, /data_type is "discard_row" and the value of "qty" does not fit its type/);
  const reported = logLines.filter((l) => l.includes('discard_row_items') && l.includes('(discard_row)'));
  assert.equal(reported.length, 1, 'reported once');
  assert.equal(readdirSync(join(schemasDir, name)).filter((f) => f.startsWith('discard_row_items')).length, 1);
});

test("status: each resource's dead letters, and the last run's refusals and discards", async () => {
  await recordRuns(
    kafka,
    report.resources.map((r) => toRunRecord(name, report.runId, r)),
  );
  // No ClickHouse answers at this URL: status still reports Kafka's side, rows unknown with the reason.
  const status = await collectStatus({
    logger,
    source: contractSource(),
    kafka,
    clickhouse: { url: 'http://127.0.0.1:9', dataDir: schemasDir } as never,
    schemasDir,
    secrets: { env: {} },
    env: {},
  });
  const of = (resource: Resource) => status.resources.find((r) => r.resource === resource)!;
  assert.deepEqual(
    Object.keys(MODES).map((r) => [r, of(r as Resource).deadLetters]),
    [
      ['evolve_items', '0'],
      ['freeze_items', '1'],
      ['discard_row_items', '2'],
      ['discard_value_items', '0'],
    ],
  );
  assert.equal(of('discard_row_items').lastRun?.discardedRows, 2);
  assert.equal(of('discard_value_items').lastRun?.discardedValues, 2);
  assert.equal(of('freeze_items').lastRun?.rejected, 1);
  assert.ok(status.resources.every((r) => r.rows === null));
  assert.ok(status.clickhouseError);
  const text = formatStatus(status);
  assert.match(text, /discard_row_items: last extraction: 2 records discarded by schema_contract discard_row/);
  assert.match(text, /discard_value_items: last extraction: 2 values dropped by schema_contract discard_value/);
  assert.match(text, /freeze_items: last extraction: 1 records could not be published/);
});

test('discard_value: the values are dropped (not in _extra), counted per path and reported once; the rest of each record loads', async () => {
  const r = resourceReport('discard_value_items');
  assert.equal(r.ok, true);
  assert.deepEqual([r.records, r.rejected, r.discardedValues], [6, 0, 2]);
  assert.deepEqual((await rows('discard_value_items')).slice(3), [
    { id: 'item-3', qty: 3, _extra: null },
    { id: 'item-4', qty: null, _extra: null },
    { id: 'item-5', qty: 5, _extra: null },
  ]);
  assert.deepEqual(await deadLetters('discard_value_items'), []);
  assert.deepEqual(Object.fromEntries(schemaDrift.get(name, 'discard_value_items')?.discarded ?? []), {
    coupon: 1,
    qty: 1,
  });
  const reported = logLines
    .map((l) => JSON.parse(l) as { msg: string; paths?: unknown; resource?: string })
    .filter((l) => l.resource === 'discard_value_items' && l.msg.includes('discard_value'));
  assert.equal(reported.length, 1, 'reported once');
  assert.deepEqual(reported[0]?.paths, { coupon: 1, qty: 1 });
});

test('tables freeze: a resource without a schema file is not inferred; produce refuses it naming the file and the contract', async () => {
  const frozen = source([{ name: 'new_items', schema_contract: { tables: 'freeze' } }]);
  const inferred = await inferMissingSchemas({ source: frozen, secrets: { env: {} }, schemasDir, logger }, undefined);
  assert.deepEqual(inferred, []);
  assert.equal(existsSync(join(schemasDir, name, 'new_items.avsc')), false);
  await assert.rejects(
    produce({ source: frozen, kafka, schemasDir, secrets: { env: {} }, logger: testLogger() }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SCHEMA_MISSING');
      assert.match(error.message, /new_items\.avsc/);
      assert.match(error.message, /schema_contract tables is "freeze", so no schema is inferred for it/);
      return true;
    },
  );
});

test("a table new in this run evolves its columns whatever the contract (dlt's is_new_table); data_type still applies", async () => {
  // As `run` does without a schema file: inferred from page 1 just before the run, which names it new.
  await writeInferred(join(schemasDir, name, 'fresh_items.avsc'), PAGES[0]!, {
    source: name,
    resource: 'fresh_items',
    primaryKey: ['id'],
  });
  const fresh = source([{ name: 'fresh_items', schema_contract: { columns: 'freeze', data_type: 'discard_row' } }]);
  const first = await produce({
    source: fresh,
    kafka,
    schemasDir,
    secrets: { env: {} },
    logger: testLogger(),
    newTables: ['fresh_items'],
  });
  const r = first.resources[0]!;
  assert.equal(r.ok, true, r.error);
  assert.deepEqual([r.records, r.discardedRows], [5, 1]);
  const v2 = JSON.parse(readFileSync(join(schemasDir, name, 'fresh_items.avsc'), 'utf8')) as {
    version: number;
    fields: { name: string }[];
  };
  assert.equal(v2.version, 2);
  assert.ok(v2.fields.some((f) => f.name === 'coupon'));
  assert.deepEqual(
    (await deadLetters('fresh_items')).map((d) => d.id),
    ['item-4'],
  );
});
