// Schema inference and widening: varied and conflicting samples, merging into an existing schema
// without ever narrowing it, the version history `schema infer` keeps, and the diff it prints.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import avro from 'avsc';
import { describe as describeType, inferSchema, mergeSamples, observeSamples } from '../../src/avro/infer.js';
import { ENVELOPE_NAMES } from '../../src/avro/envelope.js';
import { compileShaper } from '../../src/avro/record-shaper.js';
import { formatInferResults, writeInferred } from '../../src/cli/schema-infer.js';

const opts = { name: 'things', namespace: 'streamtap.test', primaryKey: ['id'] };

function fieldsOf(schema: Record<string, unknown>): Record<string, string> {
  const fields = schema.fields as { name: string; type: unknown }[];
  return Object.fromEntries(
    fields.filter((f) => !ENVELOPE_NAMES.has(f.name)).map((f) => [f.name, describeType(f.type)]),
  );
}

test('infers strings, integers, doubles, booleans, ISO-8601 timestamps, arrays, nested records and maps', () => {
  const schema = inferSchema(
    [
      {
        id: 'a',
        name: 'x',
        n: 1,
        ratio: 0.5,
        ok: true,
        at: '2024-03-01T15:30:00Z',
        tags: ['a'],
        owner: { email: 'e', team: { name: 't' } },
        meta: { k1: 'v' },
      },
      {
        id: 'b',
        name: 'y',
        n: 2,
        ratio: 1.25,
        ok: false,
        at: '2024-03-02T15:30:00.123+02:00',
        tags: [],
        owner: { email: 'f', team: null },
        meta: { k2: 'v', k3: 'w' },
      },
      {
        id: 'c',
        name: null,
        n: 3,
        ratio: 2.5,
        ok: true,
        at: '2024-03-03 10:00:00Z',
        tags: ['b', 'c'],
        owner: null,
        meta: { k4: 'v' },
      },
    ],
    opts,
  );
  assert.deepEqual(fieldsOf(schema), {
    id: 'string',
    name: 'null | string',
    n: 'null | long',
    ratio: 'null | double',
    ok: 'null | boolean',
    at: 'null | timestamp-millis',
    tags: 'null | array<string>',
    owner: 'null | record Things_Owner',
    meta: 'null | map<string>',
  });
  const owner = (
    schema.fields as { name: string; type: [string, { fields: { name: string; type: unknown }[] }] }[]
  ).find((f) => f.name === 'owner');
  assert.deepEqual(
    owner?.type[1].fields.map((f) => `${f.name}: ${describeType(f.type)}`),
    ['email: null | string', 'team: null | record Things_Owner_Team'],
  );
  // Every field but the key is nullable with a null default: adding a field is compatible both ways.
  for (const f of schema.fields as { name: string; type: unknown; default?: unknown }[]) {
    if (f.name === 'id' || ENVELOPE_NAMES.has(f.name)) continue;
    assert.equal(f.default, null, f.name);
  }
  avro.Type.forSchema(schema as avro.Schema); // a valid Avro schema
});

test('conflicting samples widen instead of failing: int → double, timestamp + text → string, anything mixed → string', () => {
  const observed = observeSamples([
    { n: 1, t: '2024-01-01T00:00:00Z', mixed: 1, obj: { a: 1 }, arr: [1, 'x'], only_null: null, empty: [] },
    { n: 1.5, t: 'soon', mixed: 'one', obj: 'flat', arr: [2.5], only_null: null, empty: [] },
    { n: 2, t: '2024-01-02T00:00:00Z', mixed: true },
  ]);
  assert.equal(observed.kind, 'record');
  const kinds = Object.fromEntries(
    [...(observed.kind === 'record' ? observed.fields : [])].map(([k, v]) => [
      k,
      v.kind === 'array' ? `array<${v.items.kind}>` : v.kind,
    ]),
  );
  assert.deepEqual(kinds, {
    n: 'double',
    t: 'string',
    mixed: 'string',
    obj: 'string',
    arr: 'array<string>',
    only_null: 'unknown',
    empty: 'array<unknown>',
  });
  const schema = inferSchema([{ id: 'a', only_null: null, empty: [] }], opts);
  // Nothing seen yet: the least committal type.
  assert.deepEqual(fieldsOf(schema), { id: 'string', only_null: 'null | string', empty: 'null | array<string>' });
});

test('a widened string field keeps every sample: non-strings as their JSON text, nothing in _extra', () => {
  const samples = [
    { id: 'a', code: 42 },
    { id: 'b', code: 'A-7' },
    { id: 'c', code: { x: 1 } },
  ];
  const schema = inferSchema(samples, opts);
  assert.equal(fieldsOf(schema).code, 'null | string');
  const shape = compileShaper(schema as never, ENVELOPE_NAMES);
  assert.deepEqual(
    samples.map((s) => shape(s)).map((r) => [r.value.code, r.extra]),
    [
      ['42', null],
      ['A-7', null],
      ['{"x":1}', null],
    ],
  );
});

test('merging never narrows: fields are kept, types only widen, names and field order stay, new fields go last', () => {
  const v1 = inferSchema([{ id: 'a', n: 1, at: '2024-01-01T00:00:00Z', owner: { email: 'e' }, tags: ['x'] }], opts);
  // The API stops sending `tags`, sends `n` as a decimal, adds `priority` and `owner.phone`.
  const { schema: v2, changes } = mergeSamples(
    v1,
    [{ id: 'b', n: 2.5, at: 1704067200000, owner: { email: 'f', phone: '+1' }, priority: 3 }],
    opts,
  );
  assert.deepEqual(Object.keys(fieldsOf(v2)), ['id', 'n', 'at', 'owner', 'tags', 'priority']);
  assert.deepEqual(fieldsOf(v2), {
    id: 'string',
    n: 'null | double',
    at: 'null | timestamp-millis', // epoch numbers fit a timestamp
    owner: 'null | record Things_Owner',
    tags: 'null | array<string>',
    priority: 'null | long',
  });
  assert.deepEqual(
    changes.map((c) => `${c.kind} ${c.path} ${c.from ?? ''}→${c.to} ${c.tableFollows}`),
    ['widened n long→double true', 'added owner.phone →null | string true', 'added priority →null | long true'],
  );
  // A later sample that is narrower changes nothing.
  const again = mergeSamples(v2, [{ id: 'c', n: 1, at: '2024-01-01T00:00:00Z', owner: { email: 'g' } }], opts);
  assert.deepEqual(again.changes, []);
  assert.deepEqual(again.schema, v2);
  // A record that turns into a scalar widens to string, and the diff warns the table cannot follow.
  const flat = mergeSamples(v2, [{ id: 'd', owner: 'someone' }], opts);
  assert.deepEqual(
    flat.changes.map((c) => [c.path, c.to, c.tableFollows]),
    [['owner', 'string', false]],
  );
});

test('an existing type refined by hand survives inference that only saw empty arrays', () => {
  const v1 = inferSchema([{ id: 'a', fields: [{ id: 'f', label: 'L' }] }], opts);
  const { changes, schema } = mergeSamples(v1, [{ id: 'b', fields: [] }], opts);
  assert.deepEqual(changes, []);
  assert.deepEqual(schema, v1);
});

test('schema infer keeps history: v1 stays as things.v1.avsc, the file becomes v2, the diff names the changes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-infer-'));
  const file = join(dir, 'test', 'things.avsc');
  const target = { source: 'test', resource: 'things', primaryKey: ['id'] };
  const created = await writeInferred(file, [{ id: 'a', n: 1 }], target);
  assert.equal(created.action, 'created');
  assert.equal(created.version, 1);
  const v1Text = readFileSync(file, 'utf8');
  assert.equal(JSON.parse(v1Text).version, 1);

  const unchanged = await writeInferred(file, [{ id: 'b', n: 2 }], target);
  assert.equal(unchanged.action, 'unchanged');
  assert.deepEqual(readdirSync(join(dir, 'test')), ['things.avsc']);

  const dry = await writeInferred(file, [{ id: 'c', n: 3, priority: 'high' }], target, { dryRun: true });
  assert.equal(dry.action, 'would update');
  assert.equal(readFileSync(file, 'utf8'), v1Text, 'a dry run writes nothing');

  const updated = await writeInferred(file, [{ id: 'c', n: 3.5, priority: 'high' }], target);
  assert.equal(updated.action, 'updated');
  assert.deepEqual([updated.fromVersion, updated.version], [1, 2]);
  assert.deepEqual(readdirSync(join(dir, 'test')).sort(), ['things.avsc', 'things.v1.avsc']);
  assert.equal(
    readFileSync(join(dir, 'test', 'things.v1.avsc'), 'utf8'),
    v1Text,
    'the old version is kept byte for byte',
  );
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, 2);
  const diff = formatInferResults([updated], dir);
  assert.match(diff, /^things: test\/things.avsc v1 → v2, updated \(1 records sampled\)$/m);
  assert.match(diff, /^ {2}v1 kept as test\/things.v1.avsc$/m);
  assert.match(diff, /^ {2}~ n +long → double$/m);
  assert.match(diff, /^ {2}\+ priority +null \| string$/m);

  // History is never overwritten: a different file already named v2 stops the next update.
  writeFileSync(join(dir, 'test', 'things.v2.avsc'), '{"something": "else"}\n');
  await assert.rejects(
    writeInferred(file, [{ id: 'd', extra_field: true }], target),
    /things\.v2\.avsc already holds a different version 2/,
  );
});

test("dlt's columns hint: a data_type beats inference and adds a field no sample has; every dlt type maps (src/avro/dlt-types.ts)", () => {
  const merged = mergeSamples(undefined, [{ id: 'a', amount: 12, ref: 7, flag: 'yes' }], {
    ...opts,
    columns: {
      amount: { data_type: 'double' },
      ref: { data_type: 'text' },
      seen_at: { data_type: 'timestamp' },
      flag: { data_type: 'json' },
      price: { data_type: 'decimal', precision: 10, scale: 2 },
      total: { data_type: 'decimal' },
      balance: { data_type: 'wei' },
      born: { data_type: 'date' },
      opens: { data_type: 'time' },
      blob: { data_type: 'binary' },
      huge: { data_type: 'decimal', precision: 80, scale: 2 },
    },
  });
  const fields = fieldsOf(merged.schema);
  assert.equal(fields.amount, describeType(['null', 'double']));
  assert.equal(fields.ref, describeType(['null', 'string']));
  assert.equal(fields.seen_at, describeType(['null', { type: 'long', logicalType: 'timestamp-millis' }]));
  const typeOf = (name: string) =>
    (merged.schema.fields as { name: string; type: unknown }[]).find((f) => f.name === name)?.type;
  assert.deepEqual(typeOf('flag'), ['null', { type: 'string', logicalType: 'json' }]);
  assert.deepEqual(typeOf('price'), ['null', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }]);
  assert.deepEqual(typeOf('total'), ['null', { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 9 }]);
  assert.deepEqual(typeOf('balance'), ['null', { type: 'bytes', logicalType: 'decimal', precision: 76, scale: 0 }]);
  assert.deepEqual(typeOf('born'), ['null', { type: 'int', logicalType: 'date' }]);
  assert.deepEqual(typeOf('opens'), ['null', { type: 'long', logicalType: 'time-micros' }]);
  assert.deepEqual(typeOf('blob'), ['null', 'bytes']);
  assert.equal(typeOf('huge'), undefined);
  assert.deepEqual(merged.notes, [
    "columns.huge: decimal(80, 2) is beyond what ClickHouse's Decimal holds (precision 1–76, scale ≤ precision); the type is inferred from the data",
  ]);
  // A field the file already has keeps its type: the hint types new fields only.
  const again = mergeSamples(merged.schema, [{ id: 'b', price: '1.5' }], {
    ...opts,
    columns: { price: { data_type: 'date' } },
  });
  assert.deepEqual(again.changes, []);
});
