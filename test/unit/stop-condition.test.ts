import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileStopCondition, StopConditionError } from '../../src/expressions/stop-condition.js';
import { compilePath, MISSING, readPath } from '../../src/expressions/json-path.js';

test('the seed stop condition: metadata.after is none', () => {
  const stop = compileStopCondition('metadata.after is none');
  assert.equal(stop({ metadata: { after: null } }), true);
  assert.equal(stop({ metadata: {} }), true, 'a missing key reads as none');
  assert.equal(stop({}), true);
  assert.equal(stop({ metadata: { after: 'abc' } }), false);
  assert.equal(stop({ metadata: { after: '' } }), false, 'an empty string is not none');
});

const cases: [string, unknown, boolean][] = [
  ['metadata.after is not none', { metadata: { after: 'x' } }, true],
  ['not has_more', { has_more: false }, true],
  ['has_more == false', { has_more: false }, true],
  ['page >= total_pages', { page: 3, total_pages: 3 }, true],
  ['page >= total_pages', { page: 2, total_pages: 3 }, false],
  ['len(entries) == 0', { entries: [] }, true],
  ['len(entries) < 100 or next is none', { entries: [1], next: 'x' }, true],
  ["status == 'done' and (count > 0)", { status: 'done', count: 2 }, true],
  ['items[0].id == 7', { items: [{ id: 7 }] }, true],
  ['$.a.b', { a: { b: [1] } }, true],
  ['total > "3"', { total: 5 }, false],
];
for (const [expr, body, expected] of cases) {
  test(`stop condition ${expr} on ${JSON.stringify(body)} → ${expected}`, () => {
    assert.equal(compileStopCondition(expr)(body), expected);
  });
}

const hostile = [
  '',
  'metadata.after is',
  'process.exit()',
  "__import__('os').system('x')",
  'a ==',
  '(((a)',
  'a; b',
  'a is none )',
  '`rm -rf`',
  '('.repeat(40) + 'a' + ')'.repeat(40),
  'x'.repeat(600),
];
for (const expr of hostile) {
  test(`hostile or broken stop condition is refused: ${JSON.stringify(expr.slice(0, 30))}`, () => {
    assert.throws(() => compileStopCondition(expr), StopConditionError);
  });
}

test('stop conditions read data only: no prototype walk', () => {
  assert.equal(compileStopCondition('constructor is none')({}), true);
  assert.equal(compileStopCondition('__proto__ is none')({}), true);
});

test('json paths: dotted, $-rooted, indexed, quoted, and the body itself', () => {
  const body = { a: { 'b c': [10, { d: null }] } };
  assert.equal(readPath(body, compilePath("a['b c'][0]")), 10);
  assert.equal(readPath(body, compilePath("$.a['b c'][1].d")), null);
  assert.equal(readPath(body, compilePath('a.x')), MISSING);
  assert.equal(readPath(body, compilePath('$')), body);
  assert.equal(readPath(body, compilePath([])), body);
});
