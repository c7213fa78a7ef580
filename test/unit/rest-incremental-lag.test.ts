// dlt's incremental lag (dlt/extract/incremental/lag.py): the start of a later run, behind the saved last value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyLag } from '../../src/rest/incremental-lag.js';
import { IncrementalCursor } from '../../src/rest/incremental.js';
import type { ResolvedIncremental } from '../../src/config/bind.js';

test('lag: numbers by units, timestamps by seconds, dates by days; forwards for min; never past initial_value', () => {
  assert.equal(applyLag(10, 0, 100, 'max'), 90);
  assert.equal(applyLag(10, 200, 100, 'min'), 110);
  assert.equal(applyLag(10, 105, 100, 'min'), 105);
  assert.equal(applyLag(10, 95, 100, 'max'), 95);
  assert.equal(applyLag(3600, undefined, '2024-05-01T12:00:00Z', 'max'), '2024-05-01T11:00:00Z');
  assert.equal(applyLag(1, undefined, '2024-05-01T12:00:00.250Z', 'max'), '2024-05-01T11:59:59.250Z');
  assert.equal(applyLag(2, undefined, '2024-03-01', 'max'), '2024-02-28');
  assert.equal(applyLag(60, '2024-05-01T11:59:30Z', '2024-05-01T12:00:00Z', 'max'), '2024-05-01T11:59:30Z');
  assert.throws(() => applyLag(1, undefined, 'abc', 'max'), /lag needs a number, an ISO date or an ISO timestamp/);
});

const config = (over: Partial<ResolvedIncremental>): ResolvedIncremental => ({
  cursorPath: 'id',
  initialValue: 1,
  endValue: undefined,
  startParam: 'since',
  endParam: undefined,
  lastValueFunc: 'max',
  onCursorValueMissing: 'raise',
  rowOrder: undefined,
  rangeStart: 'closed',
  rangeEnd: 'open',
  convert: undefined,
  lag: 5,
  ...over,
});
const saved = { lastValue: 50, cursorPath: 'id', updatedAt: '2024-01-01T00:00:00Z' };

test('a run with a saved state and a lag starts behind it; the last value does not move back; end_value turns lag off', () => {
  const cursor = new IncrementalCursor(config({}), saved);
  assert.equal(cursor.startValue, 45);
  assert.equal(cursor.placeholder('lag'), 5);
  assert.equal(cursor.check({ id: 47 }), 'keep');
  assert.equal(cursor.lastValue, 50);
  assert.equal(new IncrementalCursor(config({}), undefined).startValue, 1);
  assert.equal(new IncrementalCursor(config({ endValue: 100 }), saved).startValue, 1);
  assert.equal(new IncrementalCursor(config({ lag: undefined }), saved).placeholder('lag'), null);
});
