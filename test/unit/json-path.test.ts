// JSONPath as dlt spells it (jsonpath-ng), parsed by json-p3: quoted names, names RFC shorthand refuses, unions,
// wildcards in a data_selector, and paths that must name one value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePath, compileSelector, JsonPathSyntaxError } from '../../src/expressions/json-path.js';
import { clientOf, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

test("dlt's spelling: a quoted name is one field; $ may be left out; -, @ and $ in names; | is a union", () => {
  assert.deepEqual(compilePath("'col.a'"), ['col.a']);
  assert.deepEqual(compilePath('"$col_a"'), ['$col_a']);
  assert.deepEqual(compilePath("'col|a'"), ['col|a']);
  assert.deepEqual(compilePath("a.'b.c'.d"), ['a', 'b.c', 'd']);
  assert.deepEqual(compilePath('many-results'), ['many-results']);
  assert.deepEqual(compilePath('$.data[0].id'), ['data', 0, 'id']);
  assert.deepEqual(compilePath("$['@odata.nextLink']"), ['@odata.nextLink']);
  assert.deepEqual(compileSelector('col_a|col_b').select({ col_a: 1, col_b: 2 }), [1, 2]);
});

test('a path that may select several values is for data_selector only; a broken path names itself', () => {
  assert.throws(() => compilePath('$.items[*].id'), /may select several values/);
  assert.throws(
    () => compilePath('a.b[x]'),
    (e: unknown) => e instanceof JsonPathSyntaxError && /"a.b\[x\]"/.test(e.message),
  );
  assert.throws(() => compilePath("a'b'"), /missing "\." before a quoted name/);
});

test('data_selector with a wildcard: the records are every match across the body', async () => {
  const server = await startRecorder((_req, res) =>
    sendJson(res, 200, { groups: [{ items: [{ id: 1 }, { id: 2 }] }, { items: [{ id: 3 }] }] }),
  );
  const source = sourceOf(
    {
      resources: [
        { name: 'items', endpoint: { path: '/g', data_selector: '$.groups[*].items[*]', paginator: 'single_page' } },
      ],
    },
    server.url,
  );
  assert.deepEqual(await recordsOf(clientOf(source), 'items'), [{ id: 1 }, { id: 2 }, { id: 3 }]);
});
