// response_actions: dlt's ignore (no records, end of data for that request), streamtap's retry, and hooks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResponseView } from '../../src/config/schema.js';
import { RestError } from '../../src/rest/errors.js';
import { clientOf, ids, pagesOf, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

const items = (endpoint: Record<string, unknown>) => ({
  resources: [{ name: 'items', primary_key: 'id', endpoint: { path: '/items', data_selector: 'data', ...endpoint } }],
});

test('{status_code: 404, action: ignore}: a 404 is no data, not a failure', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 404, { error: 'not found' }));
  const client = clientOf(sourceOf(items({ response_actions: [{ status_code: 404, action: 'ignore' }] }), server.url));
  assert.deepEqual(await pagesOf(client, 'items'), []);
  const strict = clientOf(sourceOf(items({}), server.url));
  await assert.rejects(recordsOf(strict, 'items'), (e: unknown) => e instanceof RestError && e.context.status === 404);
});

test('a body match ends the data: {content: ..., action: ignore} on a 200 stops pagination there', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 0);
    if (page === 2) return sendJson(res, 200, { data: [{ id: 99 }], message: 'No more results' });
    return sendJson(res, 200, { data: [{ id: page }] });
  });
  const client = clientOf(
    sourceOf(
      items({
        paginator: { type: 'page_number', total_path: null },
        response_actions: [{ status_code: 200, content: 'No more results', action: 'ignore' }],
      }),
      server.url,
    ),
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [0, 1]);
  assert.equal(server.requests.length, 3);
});

test('status classes ("4xx") match; an unmatched status still fails', async () => {
  const server = await startRecorder((req, res) => sendJson(res, req.url.pathname === '/gone' ? 410 : 500, {}));
  const ignore410 = clientOf(
    sourceOf(items({ path: '/gone', response_actions: [{ status_code: '4xx', action: 'ignore' }] }), server.url),
  );
  assert.deepEqual(await recordsOf(ignore410, 'items'), []);
  const fail500 = clientOf(
    sourceOf(items({ path: '/boom', response_actions: [{ status_code: '4xx', action: 'ignore' }] }), server.url),
    { retry: { retries: 0 } },
  );
  await assert.rejects(recordsOf(fail500, 'items'), (e: unknown) => e instanceof RestError && e.context.status === 500);
});

test('action retry: a 200 that says "try later" is retried like a 503, honouring Retry-After', async () => {
  let calls = 0;
  const server = await startRecorder((_req, res) => {
    calls++;
    if (calls < 3) return sendJson(res, 200, { error: 'rate limited, try later' }, { 'retry-after': '2' });
    return sendJson(res, 200, { data: [{ id: 1 }] });
  });
  const sleeps: number[] = [];
  const client = clientOf(
    sourceOf(items({ response_actions: [{ content: 'try later', action: 'retry' }] }), server.url),
    { sleeps },
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1]);
  assert.deepEqual(sleeps, [2000, 2000]);
});

test('hooks (TS configs): a function rewrites the response; a list of functions runs in order', async () => {
  const server = await startRecorder((_req, res) =>
    sendJson(res, 200, {
      data: [
        { id: 1, email: 'a@b.c' },
        { id: 2, email: 'd@e.f' },
      ],
    }),
  );
  const dropEmail = (r: ResponseView): ResponseView => ({
    ...r,
    body: { data: (r.body as { data: Record<string, unknown>[] }).data.map(({ email: _e, ...rest }) => rest) },
  });
  const tag = (r: ResponseView): ResponseView => ({
    ...r,
    body: { data: (r.body as { data: Record<string, unknown>[] }).data.map((x) => ({ ...x, tagged: true })) },
  });
  const client = clientOf(
    sourceOf(items({ response_actions: [{ status_code: 200, action: [dropEmail, tag] }] }), server.url),
  );
  assert.deepEqual(await recordsOf(client, 'items'), [
    { id: 1, tagged: true },
    { id: 2, tagged: true },
  ]);
  // A bare function applies to every response.
  const statusFix = (r: ResponseView): ResponseView =>
    r.status === 418 ? { ...r, status: 200, body: { data: [] } } : r;
  const teapot = await startRecorder((_req, res) => sendJson(res, 418, 'I am a teapot'));
  assert.deepEqual(
    await recordsOf(clientOf(sourceOf(items({ response_actions: [statusFix] }), teapot.url)), 'items'),
    [],
  );
});

test('in a child resource, ignore ends the walk of that parent record only', async () => {
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/parents') return sendJson(res, 200, [{ id: 1 }, { id: 2 }, { id: 3 }]);
    const parent = Number(req.url.pathname.split('/')[2]);
    if (parent === 2) return sendJson(res, 404, { error: 'no comments' });
    return sendJson(res, 200, [{ id: `${parent}-a` }]);
  });
  const source = sourceOf(
    {
      resources: [
        { name: 'parents', primary_key: 'id', endpoint: { path: '/parents', paginator: 'single_page' } },
        {
          name: 'comments',
          primary_key: 'id',
          endpoint: {
            path: '/parents/{resources.parents.id}/comments',
            paginator: 'single_page',
            response_actions: [{ status_code: 404, action: 'ignore' }],
          },
        },
      ],
    },
    server.url,
  );
  assert.deepEqual(ids(await recordsOf(clientOf(source), 'comments')), ['1-a', '3-a']);
});
