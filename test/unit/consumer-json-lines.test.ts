// The JSONEachRow body the embedded engine's raw insert receives: one JSON document per line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonEachRow } from '../../src/consumers/json-lines.js';

test('jsonEachRow: one line per row, values with quotes, newlines and unicode survive a round trip', () => {
  const rows = [
    { id: 'a', text: 'quote " backslash \\ newline \n tab \t' },
    { id: 'b', text: 'é ü 中文 😀 \u2028 \u0000' },
    { id: 'c', text: null, nested: { list: [1, 'x'], at: '2024-01-02 03:04:05.678' } },
  ];
  const body = jsonEachRow(rows);
  const lines = body.toString('utf8').split('\n');
  assert.equal(lines.pop(), '', 'the body ends with a newline');
  assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), rows);
});

test('jsonEachRow: grows past its first buffer without losing or splitting a row', () => {
  // ~4-byte characters and long rows, so the worst-case estimate and the growth are both exercised.
  const rows = Array.from({ length: 300 }, (_, i) => ({ i, text: '😀é'.repeat(200 + i) }));
  const body = jsonEachRow(rows);
  assert.equal(body.length, Buffer.byteLength(rows.map((r) => JSON.stringify(r) + '\n').join('')));
  assert.deepEqual(
    body.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown),
    rows,
  );
  assert.equal(jsonEachRow([]).length, 0);
});
