// `streamtap check`: one request per resource, what streamtap sees, nothing published.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSource, formatCheck, summarizeFields } from '../../src/cli/check.js';
import { sendJson, sourceOf, startRecorder } from './rest-support.js';

test('check: first request of each resource, detected paginator and record path, first records, fields', async () => {
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/users') {
      return sendJson(res, 200, {
        count: 40,
        results: [
          { id: 1, name: 'Ada', joined: '2024-01-02T03:04:05Z', tags: ['a'] },
          { id: 2, name: null, joined: '2024-02-02T00:00:00Z', tags: [] },
        ],
        next: '/users?page=2',
      });
    }
    if (req.url.pathname.startsWith('/users/')) return sendJson(res, 200, { data: [{ id: 'p1', score: 1.5 }] });
    return sendJson(res, 500, { error: 'boom' });
  });
  const source = sourceOf(
    {
      client: { auth: { type: 'bearer', token: { $secret: 'tok' } } },
      resource_defaults: { primary_key: 'id' },
      resources: [
        'users',
        { name: 'posts', endpoint: { path: '/users/{resources.users.id}/posts', data_selector: 'data' } },
        { name: 'broken', endpoint: { path: '/broken' } },
      ],
    },
    server.url,
  );
  const results = await checkSource(source, { env: { TOK: 'secret-token-value' } }, undefined, {
    records: 1,
    client: { retry: { retries: 0 } },
  });
  const [users, posts, broken] = results;
  assert.equal(users?.ok, true);
  assert.equal(users?.paginator, 'auto → json_link(next)');
  assert.equal(users?.dataPath, 'results');
  assert.equal(users?.received, 2);
  assert.deepEqual(users?.records, [{ id: 1, name: 'Ada', joined: '2024-01-02T03:04:05Z', tags: ['a'] }]);
  assert.deepEqual(users?.fields, [
    { name: 'id', type: 'integer', present: 2 },
    { name: 'name', type: 'string | null', present: 2 },
    { name: 'joined', type: 'string(date-time)', present: 2 },
    { name: 'tags', type: 'array<empty> | array<string>', present: 2 },
  ]);
  assert.equal(posts?.parent, 'users');
  assert.match(posts?.url ?? '', /\/users\/1\/posts$/);
  assert.equal(broken?.ok, false);
  assert.match(broken?.error ?? '', /HTTP 500/);
  // one request per resource, plus the parent's first page once for its child
  assert.deepEqual(
    server.requests.map((r) => r.url.pathname),
    ['/users', '/users/1/posts', '/broken'],
  );

  const text = formatCheck(results);
  assert.match(
    text,
    /users: ok\n {2}request {5}GET http:\/\/127\.0\.0\.1:\d+\/users → HTTP 200\n {2}paginator {3}auto → json_link\(next\)\n {2}records at {2}results \(2 on the first page\)/,
  );
  assert.match(text, /broken: FAILED/);
  assert.match(text, /1 of 3 resource\(s\) failed; nothing was published$/);
  assert.doesNotMatch(text, /secret-token-value/);
});

test('field summary: union of JSON types across records, nested values named by kind', () => {
  assert.deepEqual(summarizeFields([{ a: 1, b: { x: 1 } }, { a: 1.5 }, 'not a record']), [
    { name: 'a', type: 'integer | number', present: 2 },
    { name: 'b', type: 'object', present: 1 },
  ]);
});

test('check warns when nothing was detected and the first page is as full as the request asked (limit=2)', async () => {
  const server = await startRecorder((req, res) =>
    sendJson(res, 200, req.url.pathname === '/full' ? [{ id: 1 }, { id: 2 }] : [{ id: 1 }]),
  );
  const source = sourceOf(
    {
      resources: [
        { name: 'full', endpoint: { path: '/full', params: { limit: 2 } } },
        { name: 'short', endpoint: { path: '/short', params: { limit: 2 } } },
      ],
    },
    server.url,
  );
  const [full, short] = await checkSource(source, { env: {} }, undefined, { client: { retry: { retries: 0 } } });
  assert.deepEqual(full?.warnings, [
    'the auto → single_page paginator stopped on a page as full as requested (limit=2); the API probably has more pages: configure a paginator',
  ]);
  assert.equal(short?.warnings, undefined);
  assert.match(
    formatCheck([full!, short!]),
    /full: ok\n(.*\n)* {2}WARNING {5}possible partial load: the auto → single_page paginator stopped on a page as full as requested \(limit=2\)/,
  );
});
