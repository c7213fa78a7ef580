// The null rule (src/consumers/null-rule.ts, docs/schemas.md "Nulls and emptiness"): a null record, a record
// of nulls, a null list and an empty list become four different cells; tables created before the rule
// keep their columns and say so; DDL over a Nullable(Tuple) carries the setting ClickHouse needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AvroRecordSchema } from '../../src/avro/schema-store.js';
import { parseType, renderType, widenColumn, type ChType } from '../../src/clickhouse/column-types.js';
import { ddlSettings } from '../../src/clickhouse/ddl.js';
import { nullableShape, nullMarkerName } from '../../src/consumers/null-rule.js';
import { planEvolution } from '../../src/consumers/table-evolution.js';
import { compileRowMapper, compileRowMapperFor, tableSpec } from '../../src/consumers/table-schema.js';

const n = <T>(type: T) => ['null', type];
// The shape of case 19 (links with a nullable `scope` record and a nullable `durations` list), plus the
// nested places a null list can sit: a field of a nested record, an item of an array, a value of a map.
const links: AvroRecordSchema = {
  type: 'record',
  name: 'links',
  fields: [
    { name: 'id', type: 'string' },
    {
      name: 'scope',
      type: n({
        type: 'record',
        name: 'scope',
        fields: [
          { name: 'id', type: n('string') },
          { name: 'name', type: n('string') },
          { name: 'tags', type: n({ type: 'array', items: 'string' }) },
        ],
      }),
    },
    { name: 'durations', type: n({ type: 'array', items: 'long' }) },
    { name: 'metadata', type: n({ type: 'map', values: n('string') }) },
    { name: 'windows', type: n({ type: 'array', items: n({ type: 'array', items: 'long' }) }) },
    { name: '_version', type: 'long' },
  ],
};

test('the rule: Nullable for a scalar or a record, a marker beside a list or map, JSON text where no record holds one', () => {
  const s = (sql: string) => parseType(sql);
  const shape = (sql: string, nullable: boolean, holder: 'field' | 'item', key = false) => {
    const r = nullableShape(s(sql), nullable, holder, key);
    return `${renderType(r.type)}${r.marker ? ' + marker' : ''}`;
  };
  assert.equal(shape('Int64', true, 'field'), 'Nullable(Int64)');
  assert.equal(shape('Tuple(a Nullable(String))', true, 'field'), 'Nullable(Tuple(a Nullable(String)))');
  assert.equal(shape('Tuple(a Nullable(String))', true, 'item'), 'Nullable(Tuple(a Nullable(String)))');
  assert.equal(shape('Array(Int64)', true, 'field'), 'Array(Int64) + marker');
  assert.equal(shape('Map(String, String)', true, 'field'), 'Map(String, String) + marker');
  assert.equal(shape('Array(Int64)', true, 'item'), 'Nullable(String)');
  assert.equal(shape('Array(Int64)', false, 'field'), 'Array(Int64)');
  assert.equal(shape('Tuple(a Nullable(String))', false, 'field'), 'Tuple(a Nullable(String))');
  assert.equal(shape('String', true, 'field', true), 'String', 'a key column is never Nullable');
  assert.equal(nullMarkerName('durations'), 'durations__null');
});

test('case 19 as columns: Nullable(Tuple) for scope, a marker beside each nullable list, at any depth', () => {
  const spec = tableSpec('db', 'links', links, ['id'], 'merge');
  assert.deepEqual(Object.fromEntries(spec.columns.map((c) => [c.name, c.type])), {
    id: 'String',
    scope: 'Nullable(Tuple(id Nullable(String), name Nullable(String), tags Array(String), tags__null Nullable(Bool)))',
    durations: 'Array(Int64)',
    durations__null: 'Nullable(Bool)',
    metadata: 'Map(String, Nullable(String))',
    metadata__null: 'Nullable(Bool)',
    windows: 'Array(Nullable(String))',
    windows__null: 'Nullable(Bool)',
    _version: 'UInt64',
  });
});

test('case 19 as rows: a null object, an object of nulls, a null list and an empty list are four different cells', () => {
  const toRow = compileRowMapper(tableSpec('db', 'links', links, ['id'], 'merge'));
  const base = { metadata: {}, windows: [], _version: 1 };
  assert.deepEqual(toRow({ ...base, id: 'link_1', scope: null, durations: [15, 30] }), {
    id: 'link_1',
    scope: null,
    durations: [15, 30],
    durations__null: false,
    metadata: {},
    metadata__null: false,
    windows: [],
    windows__null: false,
    _version: 1,
  });
  const two = toRow({ ...base, id: 'link_2', scope: { id: 'scope_9', name: 'Team', tags: [] }, durations: [] });
  assert.deepEqual(
    [two.scope, two.durations, two.durations__null],
    [{ id: 'scope_9', name: 'Team', tags: [], tags__null: false }, [], false],
  );
  const three = toRow({ ...base, id: 'link_3', scope: { id: null, name: null, tags: null }, durations: null });
  assert.deepEqual(
    [three.scope, three.durations, three.durations__null],
    [{ id: null, name: null, tags: null, tags__null: true }, null, true],
  );
  const four = toRow({
    id: 'link_4',
    scope: null,
    durations: null,
    metadata: null,
    windows: [[1], null, []],
    _version: 1,
  });
  assert.deepEqual([four.metadata, four.metadata__null, four.windows], [null, true, ['[1]', null, '[]']]);
});

test('a table created before the rule keeps its Tuple and Array columns, reports them, and gains the markers', () => {
  const have = new Map<string, ChType>([
    ['id', parseType('String')],
    ['scope', parseType('Tuple(id Nullable(String), name Nullable(String), tags Array(String))')],
    ['durations', parseType('Array(Int64)')],
    ['metadata', parseType('Map(String, Nullable(String))')],
    ['windows', parseType('Array(Array(Int64))')],
    ['_version', parseType('UInt64')],
  ]);
  const plan = planEvolution(have, { schema: links }, ['id']);
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(
    plan.add.map(([name, type]) => `${name} ${renderType(type)}`),
    ['durations__null Nullable(Bool)', 'metadata__null Nullable(Bool)', 'windows__null Nullable(Bool)'],
  );
  assert.deepEqual(
    plan.modify.map(([name, type]) => `${name} ${renderType(type)}`),
    ['scope Tuple(id Nullable(String), name Nullable(String), tags Array(String), tags__null Nullable(Bool))'],
    'the tuple gains its marker element but is not made Nullable',
  );
  assert.deepEqual(plan.collapsed, ['scope', 'windows[]']);

  // Rows for such a table: what it can hold, with the markers it has (NULL for rows written before them).
  const toRow = compileRowMapperFor(links, new Map([...have, ['durations__null', parseType('Nullable(Bool)')]]));
  assert.deepEqual(
    toRow({ id: 'a', scope: null, durations: null, metadata: null, windows: [[1], null], _version: 2 }),
    {
      id: 'a',
      scope: null,
      durations: null,
      durations__null: true,
      metadata: null,
      windows: [[1], null],
      _version: 2,
    },
  );
});

test('widening: a Nullable(Tuple) stays Nullable and gains elements; a legacy Tuple is kept and listed', () => {
  const widen = (have: string, want: string) => {
    const r = widenColumn(parseType(have), parseType(want), 'c');
    if ('error' in r) return `error: ${r.error}`;
    return `${renderType(r.type)}${r.changed ? ' (alter)' : ''}${r.collapsed ? ` collapsed ${r.collapsed.join(',')}` : ''}`;
  };
  assert.equal(
    widen('Nullable(Tuple(a Nullable(String)))', 'Nullable(Tuple(a Nullable(String), b Nullable(Int64)))'),
    'Nullable(Tuple(a Nullable(String), b Nullable(Int64))) (alter)',
  );
  assert.equal(
    widen('Nullable(Tuple(a Nullable(String)))', 'Tuple(a Nullable(String))'),
    'Nullable(Tuple(a Nullable(String)))',
  );
  assert.equal(
    widen('Tuple(a Nullable(String))', 'Nullable(Tuple(a Nullable(String)))'),
    'Tuple(a Nullable(String)) collapsed c',
  );
  assert.equal(
    widen('Array(Tuple(x Tuple(a Nullable(Int64))))', 'Array(Tuple(x Nullable(Tuple(a Nullable(Int64)))))'),
    'Array(Tuple(x Tuple(a Nullable(Int64)))) collapsed c[].x',
  );
  assert.equal(widen('Array(Array(Int64))', 'Array(Nullable(String))'), 'Array(Array(Int64)) collapsed c[]');
  assert.match(widen('Nullable(Tuple(a Nullable(String)))', 'Nullable(String)'), /^error: c: the table has Tuple/);
});

test('a field named like another field null marker is refused, naming both', () => {
  const clash: AvroRecordSchema = {
    type: 'record',
    name: 'links',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'durations', type: n({ type: 'array', items: 'long' }) },
      { name: 'durations__null', type: n('boolean') },
    ],
  };
  assert.throws(
    () => tableSpec('db', 'links', clash, ['id'], 'merge'),
    /"durations__null" has the name of the null marker of the list "durations"/,
  );
  assert.deepEqual(planEvolution(new Map(), { schema: clash }, ['id']).errors.length, 1);
});

test('DDL over a Nullable(Tuple) carries enable_nullable_tuple_type; other DDL carries nothing', () => {
  const spec = tableSpec('db', 'links', links, ['id'], 'merge');
  assert.deepEqual(ddlSettings(spec.columns.map((c) => c.type)), { enable_nullable_tuple_type: 1 });
  assert.equal(ddlSettings(['String', 'Array(Tuple(a Nullable(String)))', 'Nullable(Int64)']), undefined);
});
