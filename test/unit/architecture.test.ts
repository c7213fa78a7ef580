// The layer rule of docs/architecture.md, checked over every import under src/: a module imports only
// from its own folder or from a folder on a lower layer. Folders on the same layer never import each
// other (producers and consumers meet only through src/contracts/).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';

const SRC = join(import.meta.dirname, '../../src');

/** Layer of each folder (or top-level file) under src/, lowest first. A new folder must be placed here. */
const LAYER: Readonly<Record<string, number>> = {
  errors: 0,
  contracts: 1,
  expressions: 1,
  json: 1,
  redact: 1,
  retry: 1,
  avro: 2,
  config: 2,
  log: 2,
  threads: 3,
  'mock-api': 2,
  clickhouse: 3,
  kafka: 3,
  rest: 3,
  observability: 4,
  producers: 5,
  consumers: 5,
  cli: 6,
  index: 7,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** `cli` for src/cli/main.ts, `log` for src/log.ts. */
function room(file: string): string {
  const first = relative(SRC, file).split('/')[0] ?? '';
  return first.replace(/\.ts$/, '');
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1] ?? '');
  return specs.map((spec) => join(dirname(file), spec.replace(/\.js$/, '.ts')));
}

test('every folder under src/ has a layer', () => {
  const rooms = new Set(sourceFiles(SRC).map(room));
  const missing = [...rooms].filter((r) => LAYER[r] === undefined);
  assert.deepEqual(missing, [], 'place these in LAYER (test/unit/architecture.test.ts) and docs/architecture.md');
});

test('every import under src/ points down a layer, or stays in its folder', () => {
  const upward: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = room(file);
    for (const target of imports(file)) {
      const to = room(target);
      if (to === from) continue;
      if ((LAYER[to] ?? Infinity) >= (LAYER[from] ?? -Infinity)) {
        upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
  }
  assert.deepEqual(upward, []);
});
