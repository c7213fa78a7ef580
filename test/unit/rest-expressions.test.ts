// The two small languages in configs, on valid and hostile input: stop conditions (evaluated per response)
// and placeholders (expanded per request). Neither is ever handed to eval; both refuse what they do not know.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  expandString,
  expandValue,
  findExpressions,
  parseTemplate,
  TemplateSyntaxError,
  TemplateValueError,
} from '../../src/config/template.js';
import { compileStopCondition, StopConditionError } from '../../src/expressions/stop-condition.js';

const conditions: [string, unknown, boolean][] = [
  ['has_more is false', { has_more: false }, true],
  ['has_more == false or not data', { has_more: true, data: [] }, true],
  ['page.number >= page.total', { page: { number: 4, total: 4 } }, true],
  ['len(results) < 50', { results: new Array(50).fill(0) }, false],
  ["status != 'ok'", { status: 'ok' }, false],
  ['"a" < "b"', {}, true],
  ['meta["next page"] is none', { meta: { 'next page': null } }, true],
  ['not (a and b)', { a: 1, b: 0 }, true],
  ['1 < "2"', {}, false],
];
for (const [expr, body, expected] of conditions) {
  test(`stop condition ${expr} → ${expected}`, () => assert.equal(compileStopCondition(expr)(body), expected));
}

const hostileConditions = [
  'require("fs")',
  'this.constructor.constructor("return process")()',
  'a.b(',
  'a +',
  '${a}',
  'a === b',
  'len(a',
  "'unterminated",
  'a = 1',
  '\u0000',
  'not',
  'a b',
];
for (const expr of hostileConditions) {
  test(`hostile stop condition refused: ${JSON.stringify(expr)}`, () =>
    assert.throws(() => compileStopCondition(expr), StopConditionError));
}

test('stop conditions read own data only: inherited and prototype names are none', () => {
  const stop = compileStopCondition('toString is none and __proto__ is none and hasOwnProperty is none');
  assert.equal(stop({}), true);
  assert.equal(compileStopCondition('len(constructor) == 0')({}), true);
});

test('templates: placeholders, escaped braces, nested values, JSON types kept for a lone placeholder', () => {
  assert.deepEqual(parseTemplate('/a/{resources.p.id}/b{{c}}'), [
    { literal: '/a/' },
    { expr: 'resources.p.id' },
    { literal: '/b{c}' },
  ]);
  const lookup = (e: string) =>
    ({ 'resources.p.id': 7, 'incremental.start_value': 1700000000, 'resources.p.tags': ['x'] })[e];
  assert.equal(expandString('/a/{resources.p.id}', lookup), '/a/7');
  assert.deepEqual(
    expandValue(
      { gte: '{incremental.start_value}', label: 'since {incremental.start_value}', list: ['{resources.p.id}'] },
      lookup,
      true,
    ),
    {
      gte: 1700000000,
      label: 'since 1700000000',
      list: [7],
    },
  );
  assert.equal(expandString('{resources.p.tags}', lookup), '["x"]');
  assert.deepEqual([...findExpressions({ a: ['{x.y}', { '{k.v}': 1 }] })].sort(), ['k.v', 'x.y']);
});

const hostileTemplates = [
  '{',
  '}',
  'a}b',
  '{a',
  '{}',
  '{ }',
  '{a b}',
  '{a.{b}}',
  '{__import__("os")}',
  '{a[0]()}',
  '{!r}',
  '{a:>10}',
];
for (const text of hostileTemplates) {
  test(`hostile template refused: ${JSON.stringify(text)}`, () =>
    assert.throws(() => parseTemplate(text), TemplateSyntaxError));
}

test('a placeholder with no value is an error, never the text "undefined"', () => {
  assert.throws(() => expandString('/a/{resources.p.id}', () => undefined), TemplateValueError);
  assert.equal(
    expandString('{incremental.end_value}', () => null),
    'None',
    'dlt formats None as None',
  );
});
