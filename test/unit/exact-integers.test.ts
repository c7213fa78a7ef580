// Integers beyond 2^53 stay exact from the response text to the Kafka key, the Avro bytes and the
// ClickHouse row text (issue 14, item 1; case `10-int64-ids-above-2pow53`). Every value here is compared
// exactly: bigint against bigint, digits against digits, bytes against bytes.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ENVELOPE_FIELDS } from '../../src/avro/envelope.js';
import { avroType, INT64_MAX, INT64_MIN } from '../../src/avro/exact-long.js';
import { describe as describeType, inferSchema } from '../../src/avro/infer.js';
import { loadResourceCodec } from '../../src/avro/schema-store.js';
import { CompactLineEncoder, compactBody } from '../../src/consumers/json-lines.js';
import { compileRowMapper, tableSpec } from '../../src/consumers/table-schema.js';
import { exactNumber, parseExact, stringifyExact } from '../../src/json/exact-json.js';
import { compileKeyOf } from '../../src/producers/record-key.js';
import { IndependentDecoder } from '../support/independent-decoder.js';

const P53 = 2n ** 53n;
/** The values the issue names: ±2^53±1, ±2^62, int64 min and max (and the safe edges beside them). */
const EDGES: bigint[] = [
  P53 - 1n,
  P53,
  P53 + 1n,
  -(P53 - 1n),
  -P53,
  -(P53 + 1n),
  2n ** 62n,
  -(2n ** 62n),
  INT64_MAX,
  INT64_MIN,
];
/** How streamtap holds each: a number while it is a safe integer, else a bigint. */
const held = (b: bigint): number | bigint => (b >= -(P53 - 1n) && b <= P53 - 1n ? Number(b) : b);

test('parseExact keeps every integer exact: safe ones as numbers, the rest as bigints with their digits', () => {
  const text = `{"values":[${EDGES.join(',')}],"beyond":[${INT64_MAX + 1n},${INT64_MIN - 1n},${2n ** 64n}]}`;
  const parsed = parseExact(text) as { values: unknown[]; beyond: unknown[] };
  assert.deepEqual(parsed.values, EDGES.map(held));
  assert.deepEqual(parsed.beyond, [2n ** 63n, -(2n ** 63n) - 1n, 18446744073709551616n]);
  // What JSON.parse does with the same text: the two ids of case 10 become one number.
  assert.equal(JSON.parse('1790012345678901233'), JSON.parse('1790012345678901234'));
  assert.notEqual(parseExact('1790012345678901233'), parseExact('1790012345678901234'));
});

test('parseExact otherwise gives what JSON.parse gives, on both of its paths', () => {
  const texts = [
    '{"a":1,"b":1.5,"c":-0,"d":1e20,"e":"12345678901234567890","f":[true,null,{}],"g":0.1234567890123456789}',
    '{"dup":1,"dup":2,"__proto__":{"x":1},"s":"\\u00e9\\n","n":123456789012345678.5}',
    '[1.0, 2E3, -4.5e-7, 9007199254740991, -9007199254740991]',
    '"1234567890123456789"',
  ];
  for (const text of texts) {
    const exact = parseExact(text);
    assert.deepEqual(exact, JSON.parse(text), text);
    assert.equal(Object.getPrototypeOf(exact), Object.getPrototypeOf(JSON.parse(text)), text);
  }
  // A number written with a fraction or an exponent is a double by JSON's convention, as JSON.parse has it.
  assert.equal(exactNumber('12345678901234567890.0'), 12345678901234567000);
  assert.equal(exactNumber('-12345678901234567890'), -12345678901234567890n);
  // Text that is not JSON fails with JSON.parse's own error on both paths (the REST layer reads where it ended).
  for (const bad of ['{"a":12345678901234567890,}', '{"a":12345678901234567890,"b":"cut']) {
    const native = (() => {
      try {
        JSON.parse(bad);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    assert.throws(() => parseExact(bad), { name: 'SyntaxError', message: native });
  }
  assert.throws(() => parseExact('{"a":1,}'), SyntaxError);
});

test('stringifyExact writes bigints as their digits, and everything else as JSON.stringify does', () => {
  const value = { id: 1790012345678901233n, min: INT64_MIN, n: 1.5, s: 'x', list: [P53 + 1n, null], at: new Date(0) };
  assert.equal(
    stringifyExact(value),
    '{"id":1790012345678901233,"min":-9223372036854775808,"n":1.5,"s":"x","list":[9007199254740993,null],"at":"1970-01-01T00:00:00.000Z"}',
  );
  assert.deepEqual(parseExact(stringifyExact(value)), { ...value, at: '1970-01-01T00:00:00.000Z' });
  assert.equal(stringifyExact({ a: 1, b: [2] }), '{"a":1,"b":[2]}');
  assert.equal(stringifyExact(undefined), undefined);
});

test('two ids that a double rounds together are two Kafka keys, single and composite', () => {
  const [first, second] = (
    parseExact(
      '[{"id":1790012345678901233,"shard":9007199254740993},{"id":1790012345678901234,"shard":9007199254740993}]',
    ) as Record<string, unknown>[]
  ).map((r) => r);
  const single = compileKeyOf(['id']);
  assert.equal(single(first), '1790012345678901233');
  assert.equal(single(second), '1790012345678901234');
  const composite = compileKeyOf(['shard', 'id']);
  assert.equal(composite(first), '[9007199254740993,1790012345678901233]');
  assert.equal(composite(second), '[9007199254740993,1790012345678901234]');
});

test('Avro long: every int64 edge is written and read exactly, with the zig-zag bytes the spec gives', () => {
  const type = avroType({ type: 'record', name: 'L', fields: [{ name: 'v', type: 'long' }] });
  for (const b of EDGES) {
    const bytes = type.toBuffer({ v: held(b) });
    // Zig-zag: 2n for n >= 0, -2n - 1 for n < 0, then 7 bits per byte, low first.
    let z = b >= 0n ? b * 2n : -b * 2n - 1n;
    const expected: number[] = [];
    while (z >= 0x80n) {
      expected.push(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    expected.push(Number(z));
    assert.deepEqual([...bytes], expected, String(b));
    assert.equal((type.fromBuffer(bytes) as { v: unknown }).v, held(b), String(b));
  }
  assert.equal(type.toBuffer({ v: INT64_MAX }).toString('hex'), 'feffffffffffffffff01');
  assert.equal(type.toBuffer({ v: INT64_MIN }).toString('hex'), 'ffffffffffffffffff01');
  // Refused (avsc's message cannot print a bigint, hence no message check); the shaper never gets this far.
  assert.throws(() => type.toBuffer({ v: INT64_MAX + 1n }));
  assert.throws(() => type.toBuffer({ v: 1.5 }), /invalid "long"/);
});

test('the producer writes int64 edges exactly; an independent decoder reads them back; beyond int64 stays exact text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-int64-'));
  mkdirSync(join(dir, 'social'));
  const schema = {
    type: 'record',
    name: 'Posts',
    namespace: 'test.int64',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'author_id', type: ['null', 'long'], default: null },
      { name: 'label', type: ['null', 'string'], default: null },
      { name: 'counts', type: ['null', { type: 'array', items: 'long' }], default: null },
      ...ENVELOPE_FIELDS,
    ],
  };
  writeFileSync(join(dir, 'social', 'posts.avsc'), JSON.stringify(schema));
  const codec = await loadResourceCodec(dir, 'social', 'posts');
  const decoder = new IndependentDecoder(dir);
  const envelope = { extractedAt: 1_764_300_000_123, runId: 'r', nextVersion: () => 1 };
  for (const b of EDGES) {
    const other = b === INT64_MIN ? INT64_MAX : -b;
    const record = parseExact(`{"id":${b},"author_id":${other},"counts":[${b},${other},0]}`);
    const { bytes, extra } = codec.write(record, envelope);
    const { value } = decoder.decode(bytes);
    assert.equal(extra, null, String(b));
    assert.equal(value.id, held(b), String(b));
    assert.equal(value.author_id, held(other), String(b));
    assert.deepEqual(value.counts, [held(b), held(other), 0], String(b));
  }
  // -INT64_MIN is outside int64: a nullable long leaves it to _extra, exact, and the record goes on.
  const { value } = decoder.decode(
    codec.write(parseExact(`{"id":1,"author_id":${-INT64_MIN},"label":${2n ** 64n}}`), envelope).bytes,
  );
  assert.equal(value.author_id, null);
  assert.equal(value.label, '18446744073709551616');
  assert.equal(value._extra, '{"author_id":9223372036854775808}');
  // A required long that cannot hold the value refuses the record (the publisher dead-letters it with this reason).
  assert.throws(() => codec.write(parseExact(`{"id":${2n ** 63n}}`), envelope), /record does not fit its schema/);
});

test('schema infer types integers beyond 2^53 as long, and integers beyond int64 as string', () => {
  const samples = parseExact(
    `[{"id":1790012345678901233,"small":1,"huge":${2n ** 64n},"mixed":5},{"id":${INT64_MIN},"small":2,"huge":1,"mixed":${INT64_MAX}}]`,
  ) as unknown[];
  const schema = inferSchema(samples, { name: 'posts', namespace: 'test', primaryKey: ['id'] });
  const types = Object.fromEntries(
    (schema.fields as { name: string; type: unknown }[]).map((f) => [f.name, describeType(f.type)]),
  );
  assert.equal(types.id, 'long');
  assert.equal(types.small, 'null | long');
  assert.equal(types.mixed, 'null | long');
  assert.equal(types.huge, 'null | string');
});

test('a ClickHouse row carries an Int64 beyond 2^53 as its exact digits in JSONCompactEachRow', () => {
  const schema = {
    type: 'record' as const,
    name: 'Posts',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'big', type: ['null', 'long'], default: null },
      { name: 'text', type: ['null', 'string'], default: null },
      ...ENVELOPE_FIELDS,
    ],
  };
  const map = compileRowMapper(tableSpec('social', 'posts', schema, ['id'], 'merge'));
  const encoder = new CompactLineEncoder();
  const lines = EDGES.map((b) =>
    encoder.encode(
      map({ id: held(b), big: held(-b - 1n), text: null, _extra: null, _extracted_at: 0, _run_id: 'r', _version: 1 }),
    ),
  );
  const body = compactBody(lines).body.toString('utf8').trim().split('\n');
  assert.deepEqual(
    body.map((line) => (parseExact(line) as unknown[]).slice(0, 2)),
    EDGES.map((b) => [held(b), held(-b - 1n)]),
  );
  assert.ok(body[8]?.startsWith('[9223372036854775807,-9223372036854775808,'), body[8]);
});
