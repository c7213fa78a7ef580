// The benchmark's ratios (bench/lib/report.ts): each stage against its limit of the same repetition, and
// e2e against the slowest stage limit of the same repetition (issue 15's target), medians over repetitions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownTable, summarise } from '../../bench/lib/report.js';
import type { StageResult } from '../../bench/lib/protocol.js';

const result = (stage: StageResult['stage'], rep: number, rate: number, ok = true): StageResult => ({
  stage,
  rep,
  ok,
  records: 100,
  seconds: 100 / rate,
  rate,
  maxRssMB: 100,
  details: {},
});

test('e2e is measured against the slowest stage limit of its own repetition, whichever that is', () => {
  const results = [
    // rep 1: insert-limit is slowest (100); rep 2: produce-limit (80); rep 3: insert-limit (200)
    result('extract-bare', 1, 300),
    result('produce-limit', 1, 250),
    result('insert-limit', 1, 100),
    result('e2e', 1, 50),
    result('extract-bare', 2, 300),
    result('produce-limit', 2, 80),
    result('insert-limit', 2, 120),
    result('e2e', 2, 60),
    result('extract-bare', 3, 300),
    result('produce-limit', 3, 250),
    result('insert-limit', 3, 200),
    result('e2e', 3, 40),
    // a failed limit does not count
    result('insert-limit', 3, 1, false),
  ];
  const e2e = summarise(results).find((s) => s.stage === 'e2e');
  assert.deepEqual([e2e?.ofSlowestLimit?.min, e2e?.ofSlowestLimit?.median, e2e?.ofSlowestLimit?.max], [0.2, 0.5, 0.75]);
  assert.equal(e2e?.slowestLimit, 'insert-limit');
  assert.match(
    markdownTable(summarise(results), 3),
    /\| e2e \|.*\| 50 % \(20 % – 75 %\) of the slowest stage limit \(insert-limit\) \|/,
  );
});

test('without any limit in the run, e2e has no ratio', () => {
  const e2e = summarise([result('e2e', 1, 50)]).find((s) => s.stage === 'e2e');
  assert.equal(e2e?.ofSlowestLimit, undefined);
});
