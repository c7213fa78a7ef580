// Issue 14, nulls: case 19 (test/fixtures/values/nulls, copied from the shared case 19-null-nested-object)
// through `streamtap schema infer` and `streamtap run`: a null object, an object whose fields are all null, a
// null list and an empty list are four different things on the topic (decoded independently with avsc) and
// in ClickHouse, and the query docs/schemas.md gives tells them apart. A table created with the mapping
// before the null rule keeps working, keeps its columns, gains the list markers and says so.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serveFixture, type FixtureServer } from '../support/http-fixtures.js';
import { IndependentDecoder } from '../support/independent-decoder.js';
import { testKafka } from '../support/pipeline.js';
import { fixtureConfig, sqlRows, streamtapAsync } from '../support/streamtap-cli.js';
import { readTopic } from '../support/topic-reader.js';

const FIXTURES = 'test/fixtures/values/nulls';
let api: FixtureServer;
before(async () => {
  api = await serveFixture(join(FIXTURES, 'responses.json'));
});
after(async () => {
  await api.close();
});

/** The query of docs/schemas.md ("Nulls and emptiness"), on the case's columns. */
const statesQuery = (table: string) =>
  `SELECT id,
     multiIf(scope IS NULL, 'null object',
             scope.id IS NULL AND scope.name IS NULL AND scope.slug IS NULL, 'object of nulls', 'object') AS scope_state,
     multiIf(durations__null IS NULL, 'unknown', durations__null, 'null list',
             empty(durations), 'empty list', 'list') AS durations_state
   FROM ${table} ORDER BY id`;

async function inferAndRun(name: string, dataDir: string) {
  const config = fixtureConfig(join(FIXTURES, 'config.json'), name);
  const schemas = mkdtempSync(join(tmpdir(), 'streamtap-schemas-'));
  const infer = await streamtapAsync(['schema', 'infer', config, '--base-url', api.url, '--schemas', schemas]);
  assert.equal(infer.code, 0, infer.stderr);
  assert.match(infer.stdout, /\+ scope +null \| record/);
  assert.match(infer.stdout, /\+ durations +null \| array<long>/);
  api.reset();
  const run = await streamtapAsync(['run', config, '--base-url', api.url, '--schemas', schemas, '--data-dir', dataDir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /links +ok +1 +3 +0/);
  return { schemas, run };
}

test('case 19: a null object, an object of nulls, a null list and an empty list stay four things on the topic and in ClickHouse', async () => {
  const name = `nulls_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  const { schemas } = await inferAndRun(name, dataDir);

  // On the topic: the union's null branch for link_1's scope and link_3's durations, a record of nulls
  // for link_3's scope, an empty array for link_2's durations.
  const decoder = new IndependentDecoder(schemas);
  const links = (await readTopic(testKafka(), `${name}.links`))
    .map((m) => decoder.decode(m.value as Buffer).value)
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
  assert.deepEqual(
    links.map((l) => ({
      id: l.id,
      scope: l.scope === null ? null : { ...(l.scope as object) },
      durations: l.durations,
    })),
    [
      { id: 'link_1', scope: null, durations: [15, 30] },
      { id: 'link_2', scope: { id: 'scope_9', name: 'Team', slug: null }, durations: [] },
      { id: 'link_3', scope: { id: null, name: null, slug: null }, durations: null },
    ],
  );

  // In ClickHouse: NULL against a tuple of NULLs; [] with its marker true against [] with it false
  // (`streamtap sql --format json` writes Int64 items as bare numbers with their exact digits, at any depth).
  const table = `${name}.links_latest`;
  assert.deepEqual(
    await sqlRows(
      `SELECT id, scope, scope IS NULL AS scope_is_null, durations, durations__null FROM ${table} ORDER BY id`,
      dataDir,
    ),
    [
      { id: 'link_1', scope: null, scope_is_null: 1, durations: [15, 30], durations__null: false },
      {
        id: 'link_2',
        scope: { id: 'scope_9', name: 'Team', slug: null },
        scope_is_null: 0,
        durations: [],
        durations__null: false,
      },
      {
        id: 'link_3',
        scope: { id: null, name: null, slug: null },
        scope_is_null: 0,
        durations: [],
        durations__null: true,
      },
    ],
  );
  assert.deepEqual(await sqlRows(statesQuery(table), dataDir), [
    { id: 'link_1', scope_state: 'null object', durations_state: 'list' },
    { id: 'link_2', scope_state: 'object', durations_state: 'empty list' },
    { id: 'link_3', scope_state: 'object of nulls', durations_state: 'null list' },
  ]);
  // The case's own question: which link has no scope at all.
  assert.deepEqual(await sqlRows(`SELECT id FROM ${table} WHERE scope IS NULL`, dataDir), [{ id: 'link_1' }]);
});

test('a table created before the null rule keeps its columns and rows, gains the list marker, and says what it cannot tell apart', async () => {
  const name = `nulls_old_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'streamtap-data-'));
  // The DDL streamtap wrote for this schema before: the record a plain Tuple, the list a plain Array, and
  // one row written then (a null scope, stored as a tuple of NULLs).
  for (const statement of [
    `CREATE DATABASE ${name}`,
    `CREATE TABLE ${name}.links (id String, slug Nullable(String), ` +
      `scope Tuple(id Nullable(String), name Nullable(String), slug Nullable(String)), durations Array(Int64), ` +
      `_extra Nullable(String), _extracted_at DateTime64(3, 'UTC'), _run_id String, _version UInt64) ` +
      `ENGINE = MergeTree ORDER BY (id, _version) SETTINGS non_replicated_deduplication_window = 10000`,
    `CREATE VIEW ${name}.links_latest AS SELECT * FROM ${name}.links ORDER BY _version DESC LIMIT 1 BY id`,
    `INSERT INTO ${name}.links (id, scope, durations, _extracted_at, _run_id, _version) ` +
      `SELECT 'link_0', (NULL, NULL, NULL), [], '2026-01-01 00:00:00', 'before', 1`,
  ]) {
    const r = await streamtapAsync(['sql', statement, '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
  }

  const { run } = await inferAndRun(name, dataDir);
  assert.match(run.stderr, /columns created before streamtap kept null apart from empty/);
  assert.match(run.stderr, /"columns":\["scope"\]/);
  assert.match(
    run.stderr,
    /MODIFY COLUMN `scope` Nullable\(Tuple\(id Nullable\(String\), name Nullable\(String\), slug Nullable\(String\)\)\) SETTINGS enable_nullable_tuple_type = 1/,
  );

  const [create] = await sqlRows<{ statement: string }>(`SHOW CREATE TABLE ${name}.links`, dataDir);
  assert.match(String(create?.statement), /`scope` Tuple\(/, 'the Tuple column is left as it is');
  assert.match(String(create?.statement), /`durations__null` Nullable\(Bool\)/, 'the marker column is added');
  // The old row's list state is unknown (NULL marker); the new rows' null list is known. The scope column
  // still cannot tell link_1's null object from link_3's object of nulls, as the warning said.
  assert.deepEqual(await sqlRows(statesQuery(`${name}.links_latest`), dataDir), [
    { id: 'link_0', scope_state: 'object of nulls', durations_state: 'unknown' },
    { id: 'link_1', scope_state: 'object of nulls', durations_state: 'list' },
    { id: 'link_2', scope_state: 'object', durations_state: 'empty list' },
    { id: 'link_3', scope_state: 'object of nulls', durations_state: 'null list' },
  ]);
});
