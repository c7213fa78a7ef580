// What JSONPath costs streamtap since json-p3 parses it (issue 12): compiling (once per walk or paginator), and the
// reads of the hot path. A one-value path is read by readPath (a property walk), measured here against the same
// lookup written by hand; only a wildcard/filter data_selector is evaluated by json-p3, once per page.
// Run: node --import tsx bench/json-path.ts (ratios within one run count; the machine is shared).
import { compilePath, compileSelector, readPath } from '../src/expressions/json-path.js';

const records = Array.from({ length: 100 }, (_, i) => ({ id: i, updated_at: '2024-01-01', nested: { a: i } }));
const body = { meta: { next: 'x', total: 1 }, data: records };

function time(label: string, n: number, fn: () => unknown): number {
  for (let i = 0; i < 1000; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t) / n;
  console.log(`${label.padEnd(58)} ${ns.toFixed(0).padStart(7)} ns/op`);
  return ns;
}

const cursor = compilePath('nested.a');
const byHand = time('per record: record.nested.a by hand', 2_000_000, () => records[5]?.nested.a);
const viaPath = time('per record: readPath(record, compilePath("nested.a"))', 2_000_000, () =>
  readPath(records[5], cursor),
);
const data = compileSelector('data');
time('per page: compileSelector("data").select(body)', 1_000_000, () => data.select(body));
const wildcard = compileSelector('$.data[*]');
time('per page: compileSelector("$.data[*]").select(body), 100 rec', 20_000, () => wildcard.select(body));
let k = 0;
time('per walk: compilePath(new text) (json-p3 parse)', 20_000, () => compilePath(`meta.next_${k++}`));
console.log(`readPath / hand-written lookup: ${(viaPath / byHand).toFixed(1)}x`);
