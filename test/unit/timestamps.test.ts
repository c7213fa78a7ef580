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

test('a date or time that does not exist is no timestamp (Date.parse would roll 2023-02-29 over to March 1)', () => {
  assert.equal(epochMillis('2023-02-29T00:00:00Z'), undefined);
  assert.equal(epochMillis('2023-02-29'), undefined);
  assert.equal(epochMillis('2024-02-30'), undefined);
  assert.equal(epochMillis('2024-04-31T10:00:00Z'), undefined);
  assert.equal(epochMillis('2024-01-00'), undefined);
  assert.equal(epochMillis('1900-02-29'), undefined, 'not a leap year: divisible by 100');
  assert.equal(epochMillis('2000-02-29'), utc(2000, 1, 29), 'a leap year: divisible by 400');
  assert.equal(epochMillis('2024-01-01T25:00:00Z'), undefined);
  assert.equal(epochMillis('2024-01-01T10:60:00Z'), undefined);
  assert.equal(epochMillis('2024-01-01T10:00:60Z'), undefined, 'no leap second in timestamp-millis');
  assert.equal(epochMillis('2024-01-01T10:00:00+24:00'), undefined);
  assert.equal(epochMillis('2024-01-01T10:00:00+05:60'), undefined);
  assert.equal(epochMillis('2024-01-01T10:00:00+5'), undefined);
  // ISO 8601's end of the day is the next day's midnight; nothing after it is.
  assert.equal(epochMillis('2024-02-29T24:00:00Z'), utc(2024, 2, 1));
  assert.equal(epochMillis('2024-02-29T24:00:00.001Z'), undefined);
});

test('every date-time that exists is the instant Date.parse gives, from year 0000 to 9999, in any zone', () => {
  // A fixed pseudo-random walk (no Math.random: a failure names its input and comes back the same).
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  for (let i = 0; i < 20_000; i++) {
    const year = i < 100 ? i : next(10_000);
    const month = 1 + next(12);
    const day = 1 + next(28 + (month === 2 ? 0 : 2));
    const fraction = ['', '.5', '.12', '.123', '.123000', ',250'][next(6)]!;
    const zone = [
      '',
      'Z',
      'z',
      `+${pad(next(24))}:${pad(next(60))}`,
      `-${pad(next(24))}${pad(next(60))}`,
      `+${pad(next(24))}`,
    ][next(6)]!;
    const clock = `${pad(next(24))}:${pad(next(60))}:${pad(next(60))}`;
    const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}${['T', 't', ' '][next(3)]}${clock}${fraction}${zone}`;
    // Date.parse's own form: T, a dot, three fraction digits, a zone with a colon.
    const ms = fraction === '' ? '000' : fraction.slice(1, 4).padEnd(3, '0');
    const iso =
      zone === '' || zone.toUpperCase() === 'Z'
        ? 'Z'
        : zone.length === 3
          ? `${zone}:00`
          : zone.includes(':')
            ? zone
            : `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const expected = Date.parse(`${pad(year, 4)}-${pad(month)}-${pad(day)}T${clock}.${ms}${iso}`);
    assert.equal(epochMillis(text), expected, text);
  }
});
