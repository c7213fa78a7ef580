// The JSONCompactEachRow body the embedded engine's raw insert receives: one JSON array per line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactBody, CompactLineEncoder } from '../../src/consumers/json-lines.js';

const parse = (body: Buffer): unknown[] => {
  const lines = body.toString('utf8').split('\n');
  assert.equal(lines.pop(), '', 'the body ends with a newline');
  return lines.map((l) => JSON.parse(l) as unknown);
};

const encodeAll = (rows: readonly Record<string, unknown>[]) => {
  const encoder = new CompactLineEncoder();
  return compactBody(rows.map((r) => encoder.encode(r)));
};

test('compact lines: one line per row, values with quotes, newlines and unicode survive a round trip', () => {
  const rows = [
    { id: 'a', text: 'quote " backslash \\ newline \n tab \t', nested: null },
    { id: 'b', text: 'é ü 中文 😀 \u2028 \u0000', nested: null },
    { id: 'c', text: null, nested: { list: [1, 'x'], at: '2024-01-02 03:04:05.678' } },
  ];
  const { columns, body } = encodeAll(rows);
  assert.deepEqual(columns, ['id', 'text', 'nested']);
  assert.deepEqual(
    parse(body),
    rows.map((r) => [r.id, r.text, r.nested]),
  );
});

test('compact lines: rows with the same keys share one column list', () => {
  const encoder = new CompactLineEncoder();
  const [a, b] = [encoder.encode({ id: 'a', n: 1 }), encoder.encode({ id: 'b', n: 2 })];
  assert.equal(a.columns, b.columns);
});

test('compact lines: rows of different schema versions in one body get one column list; a missing cell is null', () => {
  const { columns, body } = encodeAll([
    { id: 'a', old: 1 },
    { id: 'b', added: ['x'] },
    { id: 'c', old: undefined },
    { old: 3, id: 'd' },
  ]);
  assert.deepEqual(columns, ['id', 'old', 'added']);
  assert.deepEqual(parse(body), [
    ['a', 1, null],
    ['b', null, ['x']],
    ['c', null, null],
    ['d', 3, null],
  ]);
});

test('compact lines: the body grows past its first buffer without losing or splitting a row', () => {
  // 4-byte characters and long rows, so the worst-case estimate and the growth are both exercised.
  const rows = Array.from({ length: 300 }, (_, i) => ({ i, text: '😀é'.repeat(200 + i) }));
  const { body } = encodeAll(rows);
  assert.equal(body.length, Buffer.byteLength(rows.map((r) => JSON.stringify([r.i, r.text]) + '\n').join('')));
  assert.deepEqual(
    parse(body),
    rows.map((r) => [r.i, r.text]),
  );
  assert.equal(encodeAll([]).body.length, 0);
});
