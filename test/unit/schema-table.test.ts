// Avro → ClickHouse: the documented type mapping, reading types back from system.columns, and the
// widening rules table evolution applies (which changes a column can follow, which stop the table).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AvroRecordSchema } from '../../src/avro/schema-store.js';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { evolutionStatements, planEvolution } from '../../src/consumers/table-evolution.js';
import { parseType, renderType, widenColumn, type ChType } from '../../src/clickhouse/column-types.js';
import { compileRowMapper, compileRowMapperFor, tableSpec } from '../../src/consumers/table-schema.js';
import { latestViewSql, tableStatements } from '../../src/clickhouse/ddl.js';
import { compileRecordKey } from '../../src/consumers/latest.js';
import { compileKeyOf } from '../../src/producers/record-key.js';

const n = <T>(type: T) => ['null', type];
const schema: AvroRecordSchema = {
  type: 'record',
  name: 'Things',
  namespace: 'streamtap.test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 's', type: n('string') },
    { name: 'i', type: n('int') },
    { name: 'l', type: n('long') },
    { name: 'f', type: n('float') },
    { name: 'd', type: n('double') },
    { name: 'b', type: n('boolean') },
    { name: 'e', type: n({ type: 'enum', name: 'Color', symbols: ['red', 'blue'] }) },
    { name: 'at', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
    { name: 'tags', type: n({ type: 'array', items: 'string' }) },
    { name: 'meta', type: n({ type: 'map', values: 'string' }) },
    {
      name: 'owner',
      type: n({
        type: 'record',
        name: 'Owner',
        fields: [
          { name: 'email', type: n('string') },
          { name: 'since', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
          {
            name: 'roles',
            type: n({
              type: 'array',
              items: { type: 'record', name: 'Role', fields: [{ name: 'name', type: n('string') }] },
            }),
          },
        ],
      }),
    },
    { name: 'again', type: n('Owner') },
    { name: 'node', type: n({ type: 'record', name: 'Node', fields: [{ name: 'child', type: n('Node') }] }) },
    ...(ENVELOPE_FIELDS as unknown as AvroRecordSchema['fields']),
  ],
};

test('the documented mapping: scalars, Nullable, DateTime64, Array, Map, named Tuple, recursion as String', () => {
  const spec = tableSpec('db', 'things', schema, ['id'], 'merge');
  assert.deepEqual(Object.fromEntries(spec.columns.map((c) => [c.name, c.type])), {
    id: 'String',
    s: 'Nullable(String)',
    i: 'Nullable(Int32)',
    l: 'Nullable(Int64)',
    f: 'Nullable(Float32)',
    d: 'Nullable(Float64)',
    b: 'Nullable(Bool)',
    e: 'Nullable(String)',
    at: "Nullable(DateTime64(3, 'UTC'))",
    tags: 'Array(String)',
    tags__null: 'Nullable(Bool)',
    meta: 'Map(String, String)',
    meta__null: 'Nullable(Bool)',
    owner:
      "Nullable(Tuple(email Nullable(String), since Nullable(DateTime64(3, 'UTC')), roles Array(Tuple(name Nullable(String))), roles__null Nullable(Bool)))",
    again:
      "Nullable(Tuple(email Nullable(String), since Nullable(DateTime64(3, 'UTC')), roles Array(Tuple(name Nullable(String))), roles__null Nullable(Bool)))",
    node: 'Nullable(Tuple(child Nullable(String)))',
    _extra: 'Nullable(String)',
    _extracted_at: "DateTime64(3, 'UTC')",
    _run_id: 'String',
    _version: 'UInt64',
  });
});

test('rows: timestamps become UTC text at any depth, records stay objects, a recursive record is JSON text', () => {
  const toRow = compileRowMapper(tableSpec('db', 'things', schema, ['id'], 'merge'));
  const row = toRow({
    id: 'a',
    at: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    tags: ['x'],
    owner: { email: 'e', since: Date.UTC(2020, 0, 1), roles: [{ name: 'admin' }] },
    node: { child: { child: null } },
    _version: 7,
  });
  assert.equal(row.at, '2024-01-02 03:04:05.678');
  assert.deepEqual(row.owner, {
    email: 'e',
    since: '2020-01-01 00:00:00.000',
    roles: [{ name: 'admin' }],
    roles__null: false,
  });
  assert.deepEqual(row.node, { child: '{"child":null}' });
});

test('timestamps: the same UTC text as Date.toISOString at every edge of a day, a year, and the range', () => {
  const toRow = compileRowMapper(tableSpec('db', 'things', schema, ['id'], 'merge'));
  const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const instants = [
    0,
    1,
    86_399_999,
    86_400_000,
    Date.UTC(2024, 1, 29, 23, 59, 59, 999),
    Date.UTC(2026, 11, 31, 12, 0, 0, 5),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10000, 0, 1), // past year 9999 and before 1970: the Date path, unchanged
    Date.UTC(1969, 11, 31, 23, 59, 59, 999),
  ];
  for (const at of instants) assert.equal(toRow({ id: 'a', at, _version: 1 }).at, iso(at), `at ${at}`);
});

test('system.columns types read back into the same structure (LowCardinality compares as its inner type)', () => {
  for (const column of tableSpec('db', 'things', schema, ['id'], 'merge').columns) {
    assert.equal(renderType(parseType(column.type)), column.type, column.name);
  }
  assert.deepEqual(parseType('LowCardinality(Nullable(String))'), {
    kind: 'nullable',
    inner: { kind: 'scalar', name: 'String', sql: 'String' },
  });
  assert.deepEqual(parseType('Tuple(`odd name` String)'), {
    kind: 'tuple',
    fields: [['odd name', { kind: 'scalar', name: 'String', sql: 'String' }]],
  });
  assert.deepEqual(parseType("DateTime64(6, 'Europe/Paris')"), { kind: 'other', sql: "DateTime64(6, 'Europe/Paris')" });
  assert.deepEqual(parseType('Tuple(String, Int64)').kind, 'other');
});

test('widening: what a column can follow, and what stops the table', () => {
  const t = (sql: string): ChType => parseType(sql);
  const widen = (have: string, want: string) => {
    const r = widenColumn(t(have), t(want), 'c');
    return 'error' in r ? `error: ${r.error}` : `${renderType(r.type)}${r.changed ? ' (alter)' : ''}`;
  };
  assert.equal(widen('Nullable(Int64)', 'Nullable(Int64)'), 'Nullable(Int64)');
  assert.equal(widen('Nullable(Int64)', 'Nullable(Float64)'), 'Nullable(Float64) (alter)');
  assert.equal(widen('Nullable(Float64)', 'Nullable(Int64)'), 'Nullable(Float64)');
  assert.equal(widen('Int32', 'Int64'), 'Int64 (alter)');
  assert.equal(widen('Nullable(Int64)', 'Nullable(String)'), 'Nullable(String) (alter)');
  assert.equal(widen('Nullable(Bool)', 'Nullable(Int64)'), 'Nullable(String) (alter)');
  assert.equal(widen('Int64', 'Nullable(Int64)'), 'Nullable(Int64) (alter)');
  assert.equal(
    widen('Nullable(String)', 'Tuple(a Nullable(String))'),
    'Nullable(String)',
    'a String column takes anything as text',
  );
  assert.equal(widen('UInt64', 'Int64'), 'UInt64');
  assert.equal(
    widen(
      'Tuple(a Nullable(String), b Nullable(Int64))',
      'Tuple(a Nullable(String), c Nullable(Bool), b Nullable(Float64))',
    ),
    'Tuple(a Nullable(String), b Nullable(Float64), c Nullable(Bool)) (alter)',
  );
  assert.equal(
    widen('Array(Tuple(a Nullable(String)))', 'Array(Tuple(a Nullable(String), b Nullable(String)))'),
    'Array(Tuple(a Nullable(String), b Nullable(String))) (alter)',
  );
  assert.equal(widen('Map(String, Int64)', 'Map(String, Float64)'), 'Map(String, Float64) (alter)');
  assert.match(
    widen('Nullable(Int64)', 'Tuple(a Nullable(String))'),
    /^error: c: the table has Int64, the schema needs Tuple/,
  );
  assert.match(widen('Tuple(a Nullable(String))', 'Nullable(String)'), /^error: c: the table has Tuple/);
  assert.match(widen('Array(String)', 'Map(String, String)'), /^error/);
  assert.match(
    widen('Tuple(a Nullable(Int64))', 'Tuple(a Array(String))'),
    /^error: c\.a: the table has Int64, the schema needs Array\(String\)/,
  );
});

test('an evolution plan adds new fields as columns and widens types; a key column never changes', () => {
  const have = new Map(tableSpec('db', 'things', schema, ['id'], 'merge').columns.map((c) => [c.name, c.ch]));
  const v2: AvroRecordSchema = {
    ...schema,
    fields: [
      { name: 'id', type: 'long' },
      ...schema.fields.filter((f) => f.name !== 'id' && f.name !== 'l'),
      { name: 'l', type: n('double') },
      { name: 'priority', type: n('long') },
    ],
  };
  const plan = planEvolution(have, { schema: v2 }, ['id']);
  assert.deepEqual(
    plan.add.map(([name, type]) => `${name} ${renderType(type)}`),
    ['priority Nullable(Int64)'],
  );
  assert.deepEqual(
    plan.modify.map(([name, type]) => `${name} ${renderType(type)}`),
    ['l Nullable(Float64)'],
  );
  assert.deepEqual(plan.errors, [], 'a String key column takes the numeric ids as text');
  const numericKey = planEvolution(new Map([['id', parseType('Int64')]]), { schema }, ['id']);
  assert.deepEqual(numericKey.errors, ['id: a primary key column cannot change type (Int64 → String)']);

  const spec = tableSpec('db', 'things', schema, ['id'], 'replace');
  assert.deepEqual(evolutionStatements(spec, plan), [
    'ALTER TABLE `db`.`things` ADD COLUMN IF NOT EXISTS `priority` Nullable(Int64), MODIFY COLUMN `l` Nullable(Float64)',
    'CREATE OR REPLACE VIEW `db`.`things_latest` AS SELECT * EXCEPT (_is_deleted) FROM `db`.`things` FINAL',
  ]);
  assert.deepEqual(
    evolutionStatements(spec, plan, { cluster: 'main', distributed: true }).map((s) => s.split(' ADD')[0]),
    [
      'ALTER TABLE `db`.`things_local` ON CLUSTER `main`',
      'ALTER TABLE `db`.`things` ON CLUSTER `main`',
      'CREATE OR REPLACE VIEW `db`.`things_latest` ON CLUSTER `main` AS SELECT * EXCEPT (_is_deleted) FROM `db`.`things` FINAL',
    ],
  );
  assert.deepEqual(evolutionStatements(spec, { add: [], modify: [] }), []);
});

test('rows of an older schema fit a wider table: missing columns left out, values converted to the wider types', () => {
  const columns = new Map<string, ChType>([
    ['id', parseType('String')],
    ['l', parseType('Nullable(String)')],
    ['owner', parseType('Nullable(String)')],
    ['at', parseType('Nullable(String)')],
    ['priority', parseType('Nullable(Int64)')],
  ]);
  const toRow = compileRowMapperFor(schema, columns);
  assert.deepEqual(toRow({ id: 'a', l: 5, owner: { email: 'e', since: null, roles: [] }, at: 0 }), {
    id: 'a',
    l: '5',
    owner: '{"email":"e","since":null,"roles":[]}',
    at: '1970-01-01 00:00:00.000',
  });
});

test('a resource without a primary key (dlt append): MergeTree ordered by _version, the view is the table, rows spread at random', () => {
  const spec = tableSpec('db', 'things', schema, [], 'append');
  const statements = tableStatements(spec, { distributed: true, cluster: 'c' });
  const create = statements.find((s) => s.startsWith('CREATE TABLE') && s.includes('MergeTree')) ?? '';
  assert.match(create, /ENGINE = (Replicated)?MergeTree\([^)]*\) ORDER BY \(_version\)/);
  assert.match(statements.find((s) => s.includes('Distributed')) ?? '', /, rand\(\)\)$/);
  assert.equal(latestViewSql(spec), 'CREATE VIEW IF NOT EXISTS `db`.`things_latest` AS SELECT * FROM `db`.`things`');
});

test('the message key of a record without a primary key is a hash of its content; the consumer keeps every one', () => {
  const keyOf = compileKeyOf([]);
  assert.match(keyOf({ a: 1 }), /^[0-9a-f]{32}$/);
  assert.equal(keyOf({ a: 1 }), keyOf({ a: 1 }));
  assert.notEqual(keyOf({ a: 1 }), keyOf({ a: 2 }));
  const recordKey = compileRecordKey([]);
  assert.notEqual(
    recordKey({ a: 1 }),
    recordKey({ a: 1 }),
    'append without a key: identical observations are both kept',
  );
});
