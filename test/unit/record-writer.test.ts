// The producer's one-walk writer (src/avro/record-writer.ts) against the two-step path it replaces
// (shape, envelope, avsc encode, frame): same bytes, same `_extra`, same errors, on every schema feature and
// on the awkward values; every message decodes with an independent decoder; slab views stay intact.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { compileRecordWriter, type EnvelopeValues } from '../../src/avro/record-writer.js';
import { loadResourceCodec, withWireFormat, type ResourceCodec } from '../../src/avro/schema-store.js';
import { singleObjectHeader } from '../../src/avro/single-object.js';
import { stringifyExact } from '../../src/json/exact-json.js';
import { MockDataset, TIME_ZONES } from '../../src/mock-api/index.js';
import { IndependentDecoder } from '../support/independent-decoder.js';

const ns = 'test.writer';
const nullable = (type: unknown) => ({ type: ['null', type], default: null });
const SCHEMA = {
  type: 'record',
  name: 'Thing',
  namespace: ns,
  fields: [
    { name: 'id', type: 'string' },
    { name: 'label', ...nullable('string') },
    { name: 'count', ...nullable('int') },
    { name: 'big', ...nullable('long') },
    { name: 'ratio', ...nullable('float') },
    { name: 'score', ...nullable('double') },
    { name: 'flag', ...nullable('boolean') },
    { name: 'color', ...nullable({ type: 'enum', name: 'Color', symbols: ['red', 'green'] }) },
    { name: 'at', ...nullable({ type: 'long', logicalType: 'timestamp-millis' }) },
    { name: 'tags', ...nullable({ type: 'array', items: ['null', 'string'] }) },
    { name: 'counts', ...nullable({ type: 'array', items: 'long' }) },
    { name: 'attrs', ...nullable({ type: 'map', values: 'string' }) },
    {
      name: 'owner',
      ...nullable({
        type: 'record',
        name: 'Person',
        fields: [
          { name: 'name', type: 'string' },
          { name: 'email', ...nullable('string') },
          { name: 'boss', ...nullable('Person') },
        ],
      }),
    },
    { name: 'people', ...nullable({ type: 'array', items: 'Person' }) },
    { name: 'last', type: [{ type: 'long', logicalType: 'timestamp-millis' }, 'null'], default: 0 },
    { name: 'single', type: ['string'] },
    ...ENVELOPE_FIELDS,
  ],
};

async function codecFor(schema: object, name = 'things'): Promise<{ codec: ResourceCodec; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-writer-'));
  mkdirSync(join(dir, 'shop'));
  writeFileSync(join(dir, 'shop', `${name}.avsc`), JSON.stringify(schema));
  return { codec: await loadResourceCodec(dir, 'shop', name), dir };
}

const envelope = (version = 7): EnvelopeValues => ({
  extractedAt: 1_764_300_000_123,
  runId: 'run-ü',
  nextVersion: () => version,
});

/** What the producer wrote before the one-walk writer: shape, fill the envelope, encode. */
function twoStep(codec: ResourceCodec, record: unknown, env: EnvelopeValues): { bytes: Buffer; extra: unknown } {
  const { value, extra } = codec.shape(structuredClone(record));
  value._extra = extra === null ? null : stringifyExact(extra);
  value._extracted_at = env.extractedAt;
  value._run_id = env.runId;
  value._version = env.nextVersion();
  return { bytes: codec.encode(value), extra };
}

function outcome(fn: () => { bytes: Buffer; extra: unknown }): unknown {
  try {
    const { bytes, extra } = fn();
    return { hex: bytes.toString('hex'), extra };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** codec.write agrees with the two steps; and the one walk itself ran, unless it is expected to hand over. */
function assertSame(codec: ResourceCodec, record: unknown, what: string, handsOver = false): void {
  const fast = compileRecordWriter(codec.schema as never, singleObjectHeader(codec.type));
  assert.ok(fast, 'the schema has a one-walk writer');
  const expected = outcome(() => twoStep(codec, record, envelope()));
  assert.deepEqual(
    outcome(() => codec.write(structuredClone(record), envelope())),
    expected,
    what,
  );
  const direct = outcome(() => fast(structuredClone(record), envelope()));
  if (handsOver)
    assert.match(
      String((direct as { error?: string }).error),
      /^UnsupportedValue: /,
      `${what}: handed to the slow path`,
    );
  else assert.deepEqual(direct, expected, `${what}: one walk`);
}

const base = { id: 'a', single: 's' };
const CASES: [string, unknown, boolean?][] = [
  ['minimal', base],
  [
    'every field set',
    {
      ...base,
      label: 'x',
      count: -5,
      big: 2 ** 40,
      ratio: 1.5,
      score: -0.1,
      flag: true,
      color: 'green',
      at: '2024-02-29T12:00:00.5Z',
      tags: ['a', null, 'b'],
      counts: [0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER - 1, -Number.MAX_SAFE_INTEGER + 1],
      attrs: { k: 'v', '2': 'two', '1': 'one', ü: 'x' },
      owner: { name: 'o', email: null, boss: { name: 'b', boss: { name: 'c' } } },
      people: [{ name: 'p1' }, { name: 'p2', email: 'e' }],
      last: 1_700_000_000_000,
    },
  ],
  [
    'unknown keys at every level',
    {
      ...base,
      extra1: 1,
      owner: { name: 'o', nick: 'n', boss: { name: 'b', deep: [1] } },
      people: [{ name: 'p', x: true }],
    },
  ],
  ['the record own envelope keys go to _extra', { ...base, _extra: 'mine', _version: 1 }],
  [
    'mistyped nullable values go to _extra',
    {
      ...base,
      count: 2 ** 31,
      big: 1.5,
      ratio: 'x',
      flag: 1,
      color: 'blue',
      at: 'yesterday',
      tags: 'x',
      attrs: [],
      owner: 'o',
    },
  ],
  [
    'a nested record that does not fit goes whole to _extra, after its own extras',
    { ...base, owner: { name: 'o', extra: 1, email: 5, boss: { name: 7 } } },
  ],
  ['an array item that does not fit', { ...base, counts: [1, 'two'], people: [{ name: 'p' }, { email: 'no name' }] }],
  ['a map value that does not fit', { ...base, attrs: { a: 'x', b: { nested: true } } }],
  [
    'non-strings in string fields become JSON text',
    { ...base, label: { a: 1 }, tags: [1, { b: 2 }, null], attrs: { n: 5, o: [1] } },
  ],
  [
    'timestamps as epoch milliseconds and ISO text',
    { ...base, at: 1_700_000_000_000, last: '1999-12-31T23:59:59+02:00' },
  ],
  ['an impossible date', { ...base, at: '2024-13-45T00:00:00Z' }],
  ['int and long boundaries', { ...base, count: 0x7fffffff, big: -(2 ** 30) }],
  [
    'more int and long boundaries',
    { ...base, count: -0x7fffffff, big: 2 ** 30 - 1, counts: [2 ** 30, -(2 ** 30) - 1, 2 ** 53 - 2, -(2 ** 53) + 2] },
  ],
  [
    'text of every width',
    {
      ...base,
      label: 'é'.repeat(21),
      tags: [
        'x'.repeat(21),
        'x'.repeat(22),
        'é'.repeat(32),
        'é'.repeat(33),
        '😀'.repeat(16),
        '😀'.repeat(17),
        '€'.repeat(200),
      ],
    },
  ],
  [
    'unpaired surrogates, short and long',
    {
      ...base,
      label: 'a\ud800b',
      tags: ['\udc00', `${'y'.repeat(70)}\ud800`, '\ud800'.repeat(21), '\ud800'.repeat(22)],
    },
  ],
  // avsc's own long refuses ±(2^53 − 1) and rounds large negatives (avsc #455); the exact long takes int64.
  ['longs at the edge of the safe range', { ...base, big: Number.MAX_SAFE_INTEGER, at: -Number.MAX_SAFE_INTEGER }],
  [
    'longs beyond 2^53 as bigint, over the whole int64 range',
    {
      ...base,
      big: -(2n ** 63n),
      counts: [2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 62n, -(2n ** 62n), 2n ** 63n - 1n, 2 ** 52 + 1, -(2 ** 52) - 1],
    },
  ],
  [
    'integers outside int64: string fields take their digits, a long field leaves them to _extra',
    { ...base, big: 2n ** 63n, label: 2n ** 64n, tags: [-(2n ** 63n) - 1n], attrs: { n: 2n ** 70n } },
  ],
  ['an integer outside int64 in an array of longs does not fit', { ...base, counts: [1, 2n ** 63n] }],
  [
    "integer text in int and long fields is the integer (dlt's coerce_value text → bigint); other text does not fit",
    {
      ...base,
      count: ' -1726 ',
      big: '9223372036854775807',
      counts: ['+7', '007', '-9223372036854775808'],
      tags: ['7'],
    },
  ],
  [
    'text that is no integer, or beyond the type, does not fit an int or long',
    { ...base, count: '2147483648', big: '912.12', counts: ['0x1F', '9223372036854775808', '', '1e3'] },
  ],
  ['a map key named __proto__', JSON.parse('{"id":"a","single":"s","attrs":{"a":"1","__proto__":"2"}}'), true],
  ['floats and doubles', { ...base, ratio: 1e39, score: Number.MIN_VALUE, counts: [] }],
  ['a missing required field', { single: 's' }],
  ['a required field of the wrong type', { ...base, id: null }],
  ['a single-branch union that does not fit', { ...base, single: undefined }],
  ['not an object', ['a']],
  ['null', null],
];

test('the one-walk writer writes the same bytes and _extra, and throws the same errors, as shape then encode', async () => {
  const { codec } = await codecFor(SCHEMA);
  for (const [what, record, handsOver] of CASES) assertSame(codec, record, what, handsOver);
});

test('integer text becomes the integer in an int or long field, as dlt coerces text to bigint; anything else stays in _extra', async () => {
  const { codec } = await codecFor(SCHEMA);
  const shaped = codec.shape({
    ...base,
    count: ' -1726 ',
    big: '9223372036854775807',
    counts: ['+7', '007'],
    score: '1.5',
  });
  assert.equal(shaped.value.count, -1726);
  assert.equal(shaped.value.big, 2n ** 63n - 1n);
  assert.deepEqual(shaped.value.counts, [7, 7]);
  // Only integer text is converted: a double field takes no text (narrower than dlt; docs/schemas.md, "Timestamps" before it).
  assert.equal(shaped.value.score, null);
  assert.deepEqual(shaped.extra, { score: '1.5' });
  const refused = codec.shape({ ...base, big: '912.12', count: '2147483648' });
  assert.deepEqual(refused.extra, { big: '912.12', count: '2147483648' });
});

test('the seed schemas: every stand-in record, as served and with mistyped and unknown fields', async () => {
  const schemas = join(process.cwd(), 'schemas');
  const data = new MockDataset({ seed: 11, linkPool: 25 });
  const samples: Record<string, unknown[]> = {
    events: Array.from({ length: 300 }, (_, i) => data.event(i, i % 3)),
    scheduling_links: Array.from({ length: 25 }, (_, i) => data.link(i, 1)),
    timezones: [...TIME_ZONES],
  };
  for (const [resource, records] of Object.entries(samples)) {
    const codec = await loadResourceCodec(schemas, 'savvycal', resource);
    records.forEach((record, i) => {
      const r = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
      assertSame(codec, r, `${resource} #${i}`);
      const keys = Object.keys(r);
      for (const key of keys.slice(1, 6)) r[key] = i % 2 === 0 ? 42 : { not: 'expected' };
      r.surprise = [i];
      assertSame(codec, r, `${resource} #${i} mistyped`);
    });
  }
});

test('codec.write: messages decode with an independent decoder; views stay intact across slabs', async () => {
  const { codec, dir } = await codecFor(SCHEMA);
  const decoder = new IndependentDecoder(dir);
  const written = Array.from({ length: 3000 }, (_, i) => {
    const record = { ...base, id: `id-${i}`, label: 'x'.repeat(i % 300), unknown: i };
    return { i, ...codec.write(record, envelope(i)) };
  });
  for (const { i, bytes, extra } of written) {
    const { value } = decoder.decode(bytes);
    assert.equal(value.id, `id-${i}`);
    assert.equal(value.label, 'x'.repeat(i % 300));
    assert.equal(value._version, i);
    assert.equal(value._run_id, 'run-ü');
    assert.deepEqual(extra, { unknown: i });
    assert.equal(value._extra, JSON.stringify({ unknown: i }));
  }
});

test('codec.write falls back to shape then encode where the one walk does not mirror it', async () => {
  // A non-null default: no one-walk writer for the schema.
  const withDefault = { ...SCHEMA, fields: [{ name: 'kind', type: 'string', default: 'plain' }, ...SCHEMA.fields] };
  const { codec } = await codecFor(withDefault);
  assert.equal(compileRecordWriter(codec.schema as never, singleObjectHeader(codec.type)), undefined);
  assert.deepEqual(codec.write(base, envelope()).bytes, twoStep(codec, base, envelope()).bytes);
  // A `__proto__` map key: that record takes the slow path.
  const { codec: plain } = await codecFor(SCHEMA);
  const odd = JSON.parse('{"id":"a","single":"s","attrs":{"a":"1","__proto__":"2"}}') as unknown;
  assert.deepEqual(plain.write(odd, envelope()), twoStep(plain, odd, envelope()));
});

test('codec.write with a schema registry writes the Confluent header before the same body', async () => {
  const { codec } = await codecFor(SCHEMA);
  const registry = { url: 'http://fake', register: async () => 258, schemaById: async () => SCHEMA };
  const confluent = await withWireFormat(codec, 'shop.things', registry as never);
  const single = codec.write(CASES[1]![1], envelope()).bytes;
  const framed = confluent.write(CASES[1]![1], envelope()).bytes;
  assert.deepEqual([...framed.subarray(0, 5)], [0, 0, 0, 1, 2]);
  assert.deepEqual(framed.subarray(5), single.subarray(10));
  assert.deepEqual(framed, twoStep(confluent, CASES[1]![1], envelope()).bytes);
});
