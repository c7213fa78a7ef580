// The benchmark's flame graph: widths follow inclusive CPU time, idle time and samples outside the
// measured window are left out, and names are escaped for SVG.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { flameGraphSvg } from '../../bench/lib/flame.js';

const frame = (id: number, functionName: string, children: number[] = [], url = ''): object => ({
  id,
  callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' },
  children,
});

// (root) → main → { parse, encode<T> }, plus (idle). Samples: 1 ms apart from t=1000 µs.
function profileFile(): string {
  const nodes = [
    frame(1, '(root)', [2, 5]),
    frame(2, 'main', [3, 4], 'file:///app/src/producers/publisher.ts'),
    frame(3, 'parse', [], 'file:///app/node_modules/avsc/lib/types.js'),
    frame(4, 'encode<T>', [], 'file:///app/src/avro/record-shaper.ts'),
    frame(5, '(idle)'),
  ];
  // parse ×3, encode ×1, main (self) ×1, idle ×5, then parse ×4 outside the window used below
  const samples = [3, 3, 3, 4, 2, 5, 5, 5, 5, 5, 3, 3, 3, 3];
  const file = join(mkdtempSync(join(tmpdir(), 'flame-')), 'p.cpuprofile');
  writeFileSync(
    file,
    JSON.stringify({
      nodes,
      startTime: 0,
      endTime: 1000 * (samples.length + 1),
      samples,
      timeDeltas: samples.map(() => 1000),
    }),
  );
  return file;
}

function widths(svg: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of svg.matchAll(/<title>([^<]*?) \([^)]*\): [^<]*<\/title><rect x="[\d.]+" y="\d+" width="([\d.]+)"/g))
    out.set(m[1] as string, Number(m[2]));
  return out;
}

describe('bench flame graph', () => {
  it('draws inclusive time in the window, without idle, widths in proportion', () => {
    const svg = flameGraphSvg(profileFile(), 'test', [1000, 10_000]);
    const w = widths(svg);
    assert.equal(w.get('all (busy)'), 1200);
    assert.equal(w.get('main src/producers/publisher.ts'), 1200);
    assert.equal(w.get('parse avsc/…/types.js'), 720); // 3 of 5 busy samples
    assert.equal(w.get('encode&lt;T&gt; src/avro/record-shaper.ts'), 240);
    assert.ok(!svg.includes('(idle)'));
    assert.match(svg, /0\.0 CPU-s busy/);
  });

  it('uses every sample when the window matches none (clocks that disagree)', () => {
    const w = widths(flameGraphSvg(profileFile(), 'test', [1e12, 2e12]));
    assert.equal(w.get('parse avsc/…/types.js'), 933.3); // 7 of 9 busy samples, to 0.1 px
  });
});
