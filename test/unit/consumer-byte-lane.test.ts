// The byte path's pieces without Kafka or ClickHouse: the object container an Avro library reads back as
// the records the bodies hold, which writer schemas may take the path, and the key reader.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import avro from 'avsc';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { avroType } from '../../src/avro/exact-long.js';
import { writerSchema, type AvroRecordSchema } from '../../src/avro/schema-store.js';
import { parseType, scalar, type ChType } from '../../src/clickhouse/column-types.js';
import { containerHeader, objectContainer } from '../../src/consumers/avro-container.js';
import { byteWriter } from '../../src/consumers/byte-lane.js';
import { tableSpec } from '../../src/consumers/table-schema.js';

const n = <T>(type: T) => ['null', type];
const envelope = ENVELOPE_FIELDS as unknown as AvroRecordSchema['fields'];

function schemaWith(fields: AvroRecordSchema['fields']): AvroRecordSchema {
  return { type: 'record', name: 'Things', namespace: 'test.bytes', fields: [...fields, ...envelope] };
}

const base = schemaWith([
  { name: 'id', type: 'long' },
  { name: 'name', type: n('string') },
  { name: 'at', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
  {
    name: 'owner',
    type: n({ type: 'record', name: 'Owner', fields: [{ name: 'email', type: n('string') }] }),
  },
  { name: 'tags', type: n({ type: 'array', items: 'string' }) },
]);

function columnsOf(schema: AvroRecordSchema): Map<string, ChType> {
  return new Map(tableSpec('db', 't', schema, ['id'], 'merge').columns.map((c) => [c.name, c.ch]));
}

function record(id: number | bigint, version: number): Record<string, unknown> {
  return {
    id,
    name: `thing ${String(id)}`,
    at: 1_700_000_000_123,
    owner: id === 2 ? null : { email: 'o@example.com' },
    tags: ['a', 'b'],
    _extra: null,
    _extracted_at: 1_700_000_000_000,
    _run_id: 'run',
    _version: version,
  };
}

test('an object container of message bodies reads back, with avsc, as the records written', async () => {
  const writer = writerSchema(base, 's', 'things', 'things.avsc');
  const records = [record(1, 10), record(2, 11), record(2n ** 62n, 12)];
  const bodies = records.map((r) => writer.type.toBuffer(r));
  const pieces = objectContainer(containerHeader(base), bodies);
  const decoded: unknown[] = [];
  const decoder = new avro.streams.BlockDecoder({ parseHook: (schema) => avroType(schema) });
  await new Promise<void>((resolve, reject) => {
    decoder
      .on('data', (r: unknown) => decoded.push(r))
      .on('end', resolve)
      .on('error', reject);
    Readable.from([Buffer.concat(pieces)]).pipe(decoder);
  });
  assert.equal(decoded.length, 3);
  // Read back and written again, each record is the body it came from, byte for byte.
  assert.deepEqual(
    decoded.map((r) => writer.type.toBuffer(r)),
    bodies,
  );
  assert.equal((decoded[2] as { id: unknown }).id, 2n ** 62n);
});

test('a writer whose fields map natively to the table takes the byte path, in field order', () => {
  const writer = writerSchema(base, 's', 'things', 'things.avsc');
  const lane = byteWriter(writer, columnsOf(base), ['id']);
  assert.ok(!('reason' in lane), 'reason' in lane ? lane.reason : '');
  assert.deepEqual(
    lane.columns.map((c) => c.name),
    base.fields.map((f) => f.name),
  );
  assert.equal(lane.columns.find((c) => c.name === '_version')?.type, 'UInt64');
  assert.equal(lane.columns.find((c) => c.name === 'owner')?.type, 'Nullable(Tuple(email Nullable(String)))');
  // The key reader reads the key, _version and the fields holding timestamps (for the range check), int64 exactly.
  const body = writer.type.toBuffer(record(2n ** 62n, 7));
  const fields = lane.readKey(body);
  assert.deepEqual(
    { ...fields },
    { id: 2n ** 62n, at: 1_700_000_000_123, _extracted_at: 1_700_000_000_000, _version: 7 },
  );
  assert.equal(lane.inRange(fields), true);
  assert.throws(() => lane.readKey(body.subarray(0, body.length - 3)), /truncated/);
  assert.throws(() => lane.readKey(Buffer.concat([body, Buffer.from([0])])), /trailing/);
});

test('fields the decoding path converts keep the decoding path, each named in the reason', () => {
  const cases: [string, AvroRecordSchema['fields'][number]][] = [
    ['bytes as base64', { name: 'blob', type: n('bytes') }],
    ['fixed as base64', { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } }],
    ['a union as JSON text', { name: 'either', type: ['null', 'string', 'long'] }],
    [
      'a recursive record as JSON text',
      {
        name: 'tree',
        type: n({ type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] }),
      },
    ],
    ['a logical type other than timestamp-millis', { name: 'day', type: { type: 'int', logicalType: 'date' } }],
  ];
  for (const [what, field] of cases) {
    const schema = schemaWith([{ name: 'id', type: 'long' }, field]);
    const lane = byteWriter(writerSchema(schema, 's', 't', 't.avsc'), columnsOf(schema), ['id']);
    assert.ok('reason' in lane, `${what}: keeps the decoding path`);
    assert.match(lane.reason, new RegExp(field.name), what);
  }
});

test('a table evolved past the writer (a widened column, new tuple elements) keeps the decoding path', () => {
  const writer = writerSchema(base, 's', 'things', 'things.avsc');
  const widened = new Map(columnsOf(base)).set('id', scalar('Float64'));
  const wider = new Map(columnsOf(base)).set(
    'owner',
    parseType('Tuple(email Nullable(String), phone Nullable(String))'),
  );
  const text = new Map(columnsOf(base)).set('at', scalar('String'));
  for (const [what, table] of [
    ['Int64 → Float64', widened],
    ['a new tuple element', wider],
    ['a timestamp column widened to String', text],
  ] as const) {
    const lane = byteWriter(writer, table, ['id']);
    assert.ok('reason' in lane, what);
  }
});

test('a timestamp beyond DateTime64 (1900–2299), at the top or inside a record or array, sends its record to the decoding path', () => {
  const schema = schemaWith([
    { name: 'id', type: 'long' },
    { name: 'at', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
    {
      name: 'slots',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'Slot',
          fields: [
            { name: 'count', type: 'long' },
            { name: 'start', type: n({ type: 'long', logicalType: 'timestamp-millis' }) },
          ],
        },
      },
    },
  ]);
  const writer = writerSchema(schema, 's', 't', 't.avsc');
  const lane = byteWriter(writer, columnsOf(schema), ['id']);
  assert.ok(!('reason' in lane));
  const read = (at: number | null, start: number | null) =>
    lane.inRange(
      lane.readKey(
        writer.type.toBuffer({
          id: 1,
          at,
          // a long that is no timestamp may be anything
          slots: [{ count: 2n ** 60n, start }],
          _extra: null,
          _extracted_at: 1_700_000_000_000,
          _run_id: 'r',
          _version: 1,
        }),
      ),
    );
  assert.equal(read(Date.UTC(1900, 0, 1), Date.UTC(2299, 11, 31, 23, 59, 59, 999)), true);
  assert.equal(read(null, null), true);
  assert.equal(read(Date.UTC(1899, 11, 31, 23, 59, 59, 999), null), false);
  assert.equal(read(null, Date.UTC(2300, 0, 1)), false);
  assert.equal(read(1e15, 0), false);
});

/** The unions of `schema` (as JSON) whose branches are exactly `branches`, each with the path to it. */
function unionsOf(schema: unknown, branches: number, path = ''): string[] {
  if (Array.isArray(schema)) {
    const inside = schema.flatMap((b) => unionsOf(b, branches, path));
    return schema.length === branches && schema[0] === 'null' ? [path, ...inside] : inside;
  }
  if (schema === null || typeof schema !== 'object') return [];
  const o = schema as { type?: unknown; fields?: { name: string; type: unknown }[]; items?: unknown; values?: unknown };
  if (o.type === 'record') return (o.fields ?? []).flatMap((f) => unionsOf(f.type, branches, `${path}.${f.name}`));
  if (o.type === 'array') return unionsOf(o.items, branches, `${path}[]`);
  if (o.type === 'map') return unionsOf(o.values, branches, `${path}{}`);
  return [];
}

test("the seed's schemas take the byte path; the header gives every list with a marker, at any depth, a third branch", async () => {
  const expected: Record<string, string[]> = {
    events: [
      '.scheduler.fields',
      '.organizer.fields',
      '.attendees',
      '.attendees[].fields',
      '.metadata',
      '.location_settings',
    ],
    timezones: ['.aliases', '.metazone.territories'],
    scheduling_links: ['.durations', '.fields'],
  };
  for (const [resource, lists] of Object.entries(expected)) {
    const schema = JSON.parse(readFileSync(`schemas/savvycal/${resource}.avsc`, 'utf8')) as AvroRecordSchema;
    const writer = writerSchema(schema, 'savvycal', resource, `${resource}.avsc`);
    const lane = byteWriter(writer, columnsOf(schema), ['id']);
    assert.ok(!('reason' in lane), `${resource}: ${'reason' in lane ? lane.reason : ''}`);
    const { header } = await readContainer(objectContainer(lane.header, []));
    assert.deepEqual(unionsOf(header, 3).sort(), [...lists].sort(), resource);
    // The markers are columns of the insert, computed from the read Variants; so is every nested one.
    const selects = new Map((lane.targets ?? []).map((t) => [t.name, t.select]));
    for (const list of lists.filter((l) => !l.slice(1).includes('.') && !l.includes('[]')))
      assert.equal(selects.get(`${list.slice(1)}__null`), `isNull(\`${list.slice(1)}\`)`, `${resource}${list}`);
  }
});

test('a record with a marked list inside, as read and as selected into its Nullable(Tuple) column', () => {
  const tags = { name: 'tags', type: n({ type: 'array', items: 'string' }) };
  const owner = { type: 'record', name: 'Owner', fields: [{ name: 'email', type: n('string') }, tags] };
  const schema = schemaWith([
    { name: 'id', type: 'long' },
    { name: 'owner', type: n(owner) },
  ]);
  const lane = byteWriter(writerSchema(schema, 's', 't', 't.avsc'), columnsOf(schema), ['id']);
  assert.ok(!('reason' in lane), 'reason' in lane ? lane.reason : '');
  assert.equal(
    lane.columns.find((c) => c.name === 'owner')?.type,
    'Nullable(Tuple(email Nullable(String), tags Variant(Array(String), Bool)))',
  );
  const target = 'Nullable(Tuple(email Nullable(String), tags Array(String), tags__null Nullable(Bool)))';
  assert.equal(
    lane.targets?.find((t) => t.name === 'owner')?.select,
    `CAST(if(isNull(\`owner\`), NULL, CAST(tuple(tupleElement(assumeNotNull(\`owner\`), 'email'), ` +
      `variantElement(tupleElement(assumeNotNull(\`owner\`), 'tags'), 'Array(String)'), ` +
      `isNull(tupleElement(assumeNotNull(\`owner\`), 'tags'))), '${target.slice(9, -1)}')), '${target}')`,
  );
});

async function readContainer(pieces: readonly Buffer[]): Promise<{ header: unknown; records: unknown[] }> {
  const records: unknown[] = [];
  let header: unknown;
  const decoder = new avro.streams.BlockDecoder({ parseHook: (schema) => avroType(schema) });
  await new Promise<void>((resolve, reject) => {
    decoder
      .on('metadata', (_type: unknown, _codec: unknown, h: { meta: Record<string, Buffer> }) => {
        header = JSON.parse(h.meta['avro.schema']?.toString('utf8') ?? 'null');
      })
      .on('data', (r: unknown) => records.push(r))
      .on('end', resolve)
      .on('error', reject);
    Readable.from([Buffer.concat(pieces)]).pipe(decoder);
  });
  return { header, records };
}
