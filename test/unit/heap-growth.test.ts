import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { heapGrowingPercent, PRODUCER_HEAP_GROWING_PERCENT } from '../../src/cli/heap-growth.js';
import { resolveSettings } from '../../src/cli/settings.js';

test('STREAMTAP_HEAP_GROWING_PERCENT: absent or empty takes the command default, 0 is V8 own, 0–300 taken', () => {
  assert.equal(heapGrowingPercent(undefined, PRODUCER_HEAP_GROWING_PERCENT), 50);
  assert.equal(heapGrowingPercent('  ', 0), 0);
  assert.equal(heapGrowingPercent('0', 50), 0);
  assert.equal(heapGrowingPercent('300', 0), 300);
  assert.equal(heapGrowingPercent('25', 50), 25);
});

test('STREAMTAP_HEAP_GROWING_PERCENT: a fraction, a unit, a negative or > 300 is a config error naming the key', () => {
  for (const bad of ['1.5', '50%', '-1', '301', 'fast']) {
    assert.throws(
      () => heapGrowingPercent(bad, 50),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues[0]?.path === 'process.heap_growing_percent' &&
        e.issues[0].message.includes(`STREAMTAP_HEAP_GROWING_PERCENT="${bad}"`),
      bad,
    );
  }
});

test('process.heap_growing_percent in a settings file reaches the environment the commands read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamtap-heap-'));
  const file = join(dir, 'settings.yaml');
  writeFileSync(file, 'process:\n  heap_growing_percent: 20\n');
  try {
    assert.equal(resolveSettings({ settings: file }, {}).env.STREAMTAP_HEAP_GROWING_PERCENT, '20');
    // the environment wins over the file, as for every setting
    assert.equal(
      resolveSettings({ settings: file }, { STREAMTAP_HEAP_GROWING_PERCENT: '0' }).env.STREAMTAP_HEAP_GROWING_PERCENT,
      '0',
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a fixed growing factor bounds the heap of a process whose garbage is promoted before it dies', () => {
  const probe = fileURLToPath(new URL('../fixtures/processes/heap-growth-probe.ts', import.meta.url));
  const peak = (percent: number): number =>
    (
      JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', probe, String(percent)], { encoding: 'utf8' })) as {
        peakMB: number;
      }
    ).peakMB;
  const own = peak(0);
  const fixed = peak(10);
  // Measured: ~440 MB with V8's own factor against ~140 MB at 10 %; the live set is ~25 MB.
  assert.ok(fixed < own * 0.6, `heap peak ${fixed} MB at 10 % against ${own} MB with V8's own factor`);
});
