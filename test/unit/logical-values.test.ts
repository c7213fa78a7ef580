// API values ↔ the Avro logical types of dlt's columns hints (src/avro/logical-values.ts): exact both ways,
// or refused — never rounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dateText,
  decimalText,
  timeText,
  toBase64Bytes,
  toDecimalBytes,
  toEpochDays,
  toTimeMicros,
} from '../../src/avro/logical-values.js';

test('decimal: text, bigint and short doubles round-trip exactly through the unscaled two’s-complement bytes', () => {
  const cases: [unknown, number, number, string][] = [
    ['12.5', 10, 2, '12.50'],
    ['-0.01', 10, 2, '-0.01'],
    ['0', 5, 0, '0'],
    [-128, 5, 0, '-128'],
    [127, 5, 0, '127'],
    [128, 5, 0, '128'],
    [0.1, 38, 9, '0.100000000'],
    [1e-7, 38, 9, '0.000000100'],
    [9007199254740991, 38, 0, '9007199254740991'],
    [123456789012345678901234567890n, 38, 0, '123456789012345678901234567890'],
    ['99999999999999999999999999999.999999999', 38, 9, '99999999999999999999999999999.999999999'],
    ['-' + '9'.repeat(76), 76, 0, '-' + '9'.repeat(76)],
    ['1.2300', 10, 2, '1.23'],
  ];
  for (const [value, precision, scale, text] of cases) {
    const bytes = toDecimalBytes(value, precision, scale);
    assert.ok(bytes, `${String(value)} fits decimal(${precision}, ${scale})`);
    assert.equal(decimalText(bytes, scale), text, String(value));
  }
});

test('decimal: more fractional digits than the scale, more digits than the precision, or a long double are refused', () => {
  assert.equal(toDecimalBytes('1.234', 10, 2), undefined);
  assert.equal(toDecimalBytes('123456', 5, 0), undefined);
  assert.equal(toDecimalBytes('1000', 5, 2), undefined, '1000.00 has 6 digits');
  assert.equal(toDecimalBytes(0.1 + 0.2, 38, 17), undefined, '0.30000000000000004: may be rounded already');
  assert.equal(toDecimalBytes('1e3', 10, 0), undefined, 'text must be plain digits');
  assert.equal(toDecimalBytes('abc', 10, 0), undefined);
  assert.equal(toDecimalBytes(true, 10, 0), undefined);
});

test('date: YYYY-MM-DD within Date32 (1900-01-01 to 2299-12-31) to days and back; anything else refused', () => {
  for (const day of ['1970-01-01', '1900-01-01', '2299-12-31', '2024-02-29', '1969-12-31']) {
    const days = toEpochDays(day);
    assert.equal(typeof days, 'number', day);
    assert.equal(dateText(days as number), day);
  }
  assert.equal(toEpochDays('1970-01-02'), 1);
  for (const bad of ['1899-12-31', '2300-01-01', '2023-02-29', '2024-01-01T00:00:00Z', '2024-1-1', 20240101])
    assert.equal(toEpochDays(bad), undefined, String(bad));
});

test('time: HH:MM:SS with up to six fractional digits to microseconds and back; more digits refused', () => {
  assert.equal(toTimeMicros('00:00:00'), 0);
  assert.equal(toTimeMicros('23:59:59.999999'), 86_399_999_999);
  assert.equal(toTimeMicros('12:30:05.5'), 45_005_500_000);
  assert.equal(timeText(45_005_500_000), '12:30:05.500000');
  assert.equal(timeText(86_399_999_999), '23:59:59.999999');
  for (const bad of ['24:00:00', '12:60:00', '12:00:00.1234567', '12:00', '12:00:00Z'])
    assert.equal(toTimeMicros(bad), undefined, bad);
});

test('binary: padded standard base64 only', () => {
  assert.deepEqual(toBase64Bytes('AAEC/w=='), Buffer.from([0, 1, 2, 255]));
  assert.deepEqual(toBase64Bytes(''), Buffer.alloc(0));
  for (const bad of ['AAEC/w', 'not base64!', 'AAEC_w==', 42]) assert.equal(toBase64Bytes(bad), undefined, String(bad));
});
