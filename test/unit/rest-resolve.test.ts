// Parent/child resources: dlt's resolve params and {resources.<parent>.<field>} placeholders, include_from_parent,
// bounded child concurrency, and one parent walk shared by the parent's own topic and its children.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerResponse } from 'node:http';
import { ExtractionSession } from '../../src/rest/session.js';
import { RestError } from '../../src/rest/errors.js';
import { ConfigError } from '../../src/config/errors.js';
import type { ExtractedPage } from '../../src/rest/walk.js';
import { clientOf, ids, recordsOf, sendJson, sourceOf, startRecorder, type SeenRequest } from './rest-support.js';

const ISSUES = [
  { id: 'i1', number: 101, title: 'one', repo: { owner: 'acme' } },
  { id: 'i2', number: 102, title: 'two', repo: { owner: 'acme' } },
  { id: 'i3', number: 103, title: 'three', repo: { owner: 'zeta' } },
];

function api(req: SeenRequest, res: ServerResponse): void {
  if (req.url.pathname === '/issues') {
    const page = Number(req.url.searchParams.get('page') ?? 0);
    return sendJson(res, 200, page === 0 ? ISSUES.slice(0, 2) : page === 1 ? ISSUES.slice(2) : []);
  }
  const m = /^\/(\w+)\/issues\/(\d+)\/comments$/.exec(req.url.pathname);
  if (m)
    return sendJson(res, 200, [
      { id: `c-${m[2]}-1`, owner: m[1] },
      { id: `c-${m[2]}-2`, owner: m[1] },
    ]);
  sendJson(res, 404, {});
}

const issues = {
  name: 'issues',
  primary_key: 'id',
  endpoint: { path: '/issues', paginator: { type: 'page_number', total_path: null } },
};

test('legacy resolve param in the path, with include_from_parent (dlt: _<parent>_<field>)', async () => {
  const server = await startRecorder(api);
  const source = sourceOf(
    {
      resources: [
        issues,
        {
          name: 'comments',
          primary_key: 'id',
          include_from_parent: ['id', 'title'],
          endpoint: {
            path: '/acme/issues/{issue_number}/comments',
            params: { issue_number: { type: 'resolve', resource: 'issues', field: 'number' } },
          },
        },
      ],
    },
    server.url,
  );
  const records = await recordsOf(clientOf(source), 'comments');
  assert.equal(records.length, 6);
  assert.deepEqual(records[0], { id: 'c-101-1', owner: 'acme', _issues_id: 'i1', _issues_title: 'one' });
  assert.deepEqual(
    server.requests.filter((r) => r.url.pathname.includes('comments')).map((r) => r.url.pathname),
    ['/acme/issues/101/comments', '/acme/issues/102/comments', '/acme/issues/103/comments'],
  );
});

test('{resources.<parent>.<field>} placeholders: nested JSONPath fields, in path, params and headers', async () => {
  const server = await startRecorder(api);
  const source = sourceOf(
    {
      resources: [
        issues,
        {
          name: 'comments',
          primary_key: 'id',
          endpoint: {
            path: '/{resources.issues.repo.owner}/issues/{resources.issues.number}/comments',
            params: { issue_id: '{resources.issues.id}', literal: '{{not a placeholder}}' },
            headers: { 'X-Issue': 'issue {resources.issues.number}' },
          },
        },
      ],
    },
    server.url,
  );
  const records = await recordsOf(clientOf(source), 'comments');
  assert.deepEqual(
    records.map((r) => (r as { owner: string }).owner),
    ['acme', 'acme', 'acme', 'acme', 'zeta', 'zeta'],
  );
  const third = server.requests.filter((r) => r.url.pathname.includes('comments'))[2];
  assert.equal(third?.url.pathname, '/zeta/issues/103/comments');
  assert.deepEqual(Object.fromEntries(third?.url.searchParams ?? []), {
    issue_id: 'i3',
    literal: '{not a placeholder}',
  });
  assert.equal(third?.headers['x-issue'], 'issue 103');
});

test('a resolve param that is not in the path is a config error, as in dlt; the placeholder form sends it as a query param', async () => {
  const server = await startRecorder((req, res) =>
    req.url.pathname === '/issues'
      ? sendJson(res, 200, ISSUES)
      : sendJson(res, 200, [{ id: req.url.searchParams.get('issue') }]),
  );
  const events = (params: Record<string, unknown>) => ({
    resources: [
      { name: 'issues', primary_key: 'id', endpoint: { path: '/issues', paginator: 'single_page' } },
      { name: 'events', primary_key: 'id', endpoint: { path: '/events', paginator: 'single_page', params } },
    ],
  });
  assert.throws(
    () => sourceOf(events({ issue: { type: 'resolve', resource: 'issues', field: 'id' } }), server.url),
    (e: unknown) =>
      e instanceof ConfigError &&
      /resources\[1\]\.endpoint\.path: resolve params "issue" are not bound in path "\/events".*\{resources\.<parent>\.<field>\}/.test(
        e.message,
      ),
  );
  const source = sourceOf(events({ issue: '{resources.issues.id}' }), server.url);
  assert.deepEqual(ids(await recordsOf(clientOf(source), 'events')), ['i1', 'i2', 'i3']);
});

test('bounded concurrency: never more child requests in flight than `concurrency`, and it is reached', async () => {
  const many = Array.from({ length: 12 }, (_, i) => ({ id: i }));
  // Answers are released in pairs, so with concurrency 2 the walks proceed two by two, and a third
  // concurrent request would show as inFlight > 2.
  const held: ServerResponse[] = [];
  const server: Awaited<ReturnType<typeof startRecorder>> = await startRecorder((req, res) => {
    if (req.url.pathname === '/parents') return sendJson(res, 200, many);
    held.push(res);
    if (held.length === 2)
      for (const r of held.splice(0)) sendJson(r, 200, [{ id: `child-${server.requests.length}` }]);
  });
  const source = sourceOf(
    {
      resources: [
        { name: 'parents', primary_key: 'id', endpoint: { path: '/parents', paginator: 'single_page' } },
        {
          name: 'children',
          primary_key: 'id',
          concurrency: 2,
          endpoint: { path: '/parents/{resources.parents.id}/children', paginator: 'single_page' },
        },
      ],
    },
    server.url,
  );
  const records = await recordsOf(clientOf(source), 'children');
  assert.equal(records.length, 12);
  assert.equal(server.maxInFlight, 2);
  assert.equal(server.requests.length, 13);
});

test('parallelized: true (dlt) means 4 child walks at once; the client max_concurrency caps everything', async () => {
  const source = sourceOf(
    {
      client: { rate_limit: { max_concurrency: 3 } },
      resources: [
        { name: 'parents', primary_key: 'id', endpoint: { path: '/parents' } },
        { name: 'children', primary_key: 'id', parallelized: true, endpoint: { path: '/p/{resources.parents.id}' } },
        { name: 'serial', primary_key: 'id', endpoint: { path: '/s/{resources.parents.id}' } },
      ],
    },
    'http://unused.test',
  );
  assert.deepEqual(
    source.resources.map((r) => r.concurrency),
    [1, 4, 1],
  );
  const held: ServerResponse[] = [];
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/parents')
      return sendJson(
        res,
        200,
        Array.from({ length: 8 }, (_, i) => ({ id: i })),
      );
    held.push(res);
    if (held.length === 3) for (const r of held.splice(0)) sendJson(r, 200, { id: 1 });
    else if (server.requests.length === 9) for (const r of held.splice(0)) sendJson(r, 200, { id: 1 });
  });
  const live = sourceOf(
    {
      client: { rate_limit: { max_concurrency: 3 } },
      resources: [
        { name: 'parents', primary_key: 'id', endpoint: '/parents' },
        {
          name: 'children',
          primary_key: 'id',
          parallelized: true,
          endpoint: { path: '/p/{resources.parents.id}', paginator: 'single_page' },
        },
      ],
    },
    server.url,
  );
  assert.equal((await recordsOf(clientOf(live), 'children')).length, 8);
  assert.equal(server.maxInFlight, 3);
});

test('grandchildren: a chain of three resources, the parent walked once for both its topic and its child', async () => {
  const server = await startRecorder((req, res) => {
    const parts = req.url.pathname.split('/').filter(Boolean);
    if (parts.length === 1) return sendJson(res, 200, [{ id: 'a' }, { id: 'b' }]);
    if (parts.length === 3) return sendJson(res, 200, [{ id: `${parts[1]}1` }, { id: `${parts[1]}2` }]);
    return sendJson(res, 200, [{ id: `${parts[1]}/${parts[3]}/x` }]);
  });
  const source = sourceOf(
    {
      resource_defaults: { primary_key: 'id', endpoint: { paginator: 'single_page' } },
      resources: [
        { name: 'orgs', endpoint: '/orgs' },
        { name: 'teams', endpoint: '/orgs/{resources.orgs.id}/teams' },
        { name: 'members', endpoint: '/orgs/{resources.teams.id}/teams/{resources.teams.id}/members' },
      ],
    },
    server.url,
  );
  const client = clientOf(source);
  const session = new ExtractionSession(source, client, source.resources);
  const read = async (name: string): Promise<unknown[]> => {
    const out: unknown[] = [];
    for await (const page of session.pages(name)) out.push(...(page as ExtractedPage).records);
    await session.complete(name, true);
    return out;
  };
  const [orgs, teams, members] = await Promise.all([read('orgs'), read('teams'), read('members')]);
  assert.deepEqual(ids(orgs), ['a', 'b']);
  assert.deepEqual(ids(teams), ['a1', 'a2', 'b1', 'b2']);
  assert.equal(members.length, 4);
  assert.equal(
    server.requests.filter((r) => r.url.pathname === '/orgs').length,
    1,
    'orgs fetched once for its topic and for teams',
  );
  assert.equal(
    server.requests.filter((r) => /^\/orgs\/\w+\/teams$/.test(r.url.pathname)).length,
    2,
    'teams fetched once for its topic and for members',
  );
});

test('an unselected parent is still walked to feed its child', async () => {
  const server = await startRecorder((req, res) =>
    req.url.pathname === '/issues' ? sendJson(res, 200, ISSUES) : sendJson(res, 200, [{ id: req.url.pathname }]),
  );
  const source = sourceOf(
    {
      resources: [
        { name: 'issues', primary_key: 'id', selected: false, endpoint: { path: '/issues', paginator: 'single_page' } },
        {
          name: 'detail',
          primary_key: 'id',
          endpoint: { path: '/issues/{resources.issues.id}/detail', paginator: 'single_page' },
        },
      ],
    },
    server.url,
  );
  assert.deepEqual(
    source.resources.map((r) => r.selected),
    [false, true],
  );
  assert.deepEqual(ids(await recordsOf(clientOf(source), 'detail')), [
    '/issues/i1/detail',
    '/issues/i2/detail',
    '/issues/i3/detail',
  ]);
});

test('a parent record without the resolved field fails the child with PARENT_FIELD_MISSING naming the fields', async () => {
  const server = await startRecorder((req, res) =>
    req.url.pathname === '/issues' ? sendJson(res, 200, [{ id: 'x' }]) : sendJson(res, 200, []),
  );
  const source = sourceOf(
    {
      resources: [
        { name: 'issues', primary_key: 'id', endpoint: { path: '/issues', paginator: 'single_page' } },
        { name: 'comments', primary_key: 'id', endpoint: { path: '/issues/{resources.issues.number}/comments' } },
      ],
    },
    server.url,
  );
  await assert.rejects(
    recordsOf(clientOf(source), 'comments'),
    (e: unknown) =>
      e instanceof RestError && e.code === 'PARENT_FIELD_MISSING' && /"number".*fields: id/.test(e.message),
  );
});

test('a failing parent fails its child with a message naming the parent', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 403, { error: 'forbidden' }));
  const source = sourceOf(
    {
      resources: [
        { name: 'issues', primary_key: 'id', endpoint: '/issues' },
        { name: 'comments', primary_key: 'id', endpoint: '/issues/{resources.issues.id}/comments' },
      ],
    },
    server.url,
  );
  await assert.rejects(
    recordsOf(clientOf(source), 'comments'),
    (e: unknown) => e instanceof RestError && /parent resource "issues" failed: HTTP 403/.test(e.message),
  );
});
