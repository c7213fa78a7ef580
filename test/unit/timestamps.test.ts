// epochMillis: API text as a timestamp-millis, exact or not at all (src/avro/timestamps.ts). Cases from a
// new-user trial: a zone-less time read in the host's zone, microseconds cut to milliseconds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochMillis } from '../../src/avro/timestamps.js';
import { inferSchema } from '../../src/avro/infer.js';

const utc = (...parts: [number, number, number, number?, number?, number?, number?]) => Date.UTC(...parts);

test('a time without a zone is UTC, as in dlt, whatever the host zone', () => {
  const before = process.env.TZ;
  try {
    for (const zone of ['America/New_York', 'Pacific/Kiritimati', 'UTC']) {
      process.env.TZ = zone;
      assert.equal(epochMillis('2024-01-01T10:00:00'), utc(2024, 0, 1, 10), zone);
      assert.equal(epochMillis('2024-06-01 12:00'), utc(2024, 5, 1, 12), zone);
      assert.equal(epochMillis('2024-02-29'), utc(2024, 1, 29), zone);
    }
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
});

test('zones and fractions as ISO 8601 writes them', () => {
  assert.equal(epochMillis('2024-01-01T10:00:00.123Z'), utc(2024, 0, 1, 10, 0, 0, 123));
  assert.equal(epochMillis('2024-01-01T10:00:00.1+02:00'), utc(2024, 0, 1, 8, 0, 0, 100));
  assert.equal(epochMillis('2024-01-01T10:00:00+0530'), utc(2024, 0, 1, 4, 30));
  assert.equal(epochMillis('2024-01-01T10:00:00-05'), utc(2024, 0, 1, 15));
  assert.equal(epochMillis('2024-01-01T10:00:00.123000Z'), utc(2024, 0, 1, 10, 0, 0, 123), 'zeros below the ms fit');
  assert.equal(epochMillis(1_700_000_000_000), 1_700_000_000_000);
});

test('what a timestamp-millis cannot hold exactly is no timestamp: it goes to _extra as sent', () => {
  assert.equal(epochMillis('2024-01-01T10:00:00.123456Z'), undefined, 'microseconds are not cut');
  assert.equal(epochMillis('2024-01-01T10:00:00.0001Z'), undefined);
  assert.equal(epochMillis('2024-13-01T10:00:00Z'), undefined);
  assert.equal(epochMillis('2024-01-01T10:00:00 tomorrow'), undefined);
  assert.equal(epochMillis('yesterday'), undefined);
  assert.equal(epochMillis(1.5), undefined);
  assert.equal(epochMillis(2 ** 53), undefined);
});

test('schema infer types microsecond times as strings, so they are kept exactly', () => {
  const schema = inferSchema([{ id: 1, at: '2024-01-01T10:00:00.123456Z', ms: '2024-01-01T10:00:00.123Z' }], {
    name: 'items',
    namespace: 'streamtap.t',
    primaryKey: ['id'],
  });
  const field = (name: string) =>
    (schema as { fields: { name: string; type: unknown }[] }).fields.find((f) => f.name === name)?.type;
  assert.deepEqual(field('at'), ['null', 'string']);
  assert.deepEqual(field('ms'), ['null', { type: 'long', logicalType: 'timestamp-millis' }]);
});
