// Issue 13, kinds 4 and 5: how real APIs end their data (metadata that disappears, a cursor handed back at the end,
// an empty or null last page, a next link under a dotted key) and the walks that must not end silently short.
// Inputs after the cases in ../shared/cases (01, 04, 05), rewritten here as the project's own fixtures.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestError } from '../../src/rest/errors.js';
import { clientOf, ids, pagesOf, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

const one = (endpoint: Record<string, unknown>) => ({
  resources: [{ name: 'items', primary_key: 'id', endpoint: { path: '/items', ...endpoint } }],
});

test('page_number: a total stated on page 1 only, or turned null later, still ends after the last page', async () => {
  for (const later of [{}, { lastPage: null }]) {
    const server = await startRecorder((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      sendJson(res, 200, {
        data: [{ id: page }],
        pagination: page === 1 ? { total: 3, lastPage: 3, currentPage: 1 } : { currentPage: page, ...later },
      });
    });
    const client = clientOf(
      sourceOf(
        one({
          data_selector: 'data',
          paginator: { type: 'page_number', base_page: 1, page_param: 'page', total_path: 'pagination.lastPage' },
        }),
        server.url,
      ),
    );
    assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3]);
    assert.deepEqual(
      server.requests.map((r) => r.rawUrl),
      ['/items?page=1', '/items?page=2', '/items?page=3'],
    );
  }
});

test('cursor: the last cursor handed back with an empty list and has_more: false ends the walk; while has_more holds it is a loop', async () => {
  const server = await startRecorder((req, res) => {
    const cursor = (req.json as { cursor?: string }).cursor;
    const stuck = req.url.pathname === '/stuck';
    if (cursor === undefined)
      return sendJson(res, 200, { cursor: 'c1', has_more: true, items: [{ id: 1 }, { id: 2 }] });
    if (cursor === 'c1') return sendJson(res, 200, { cursor: 'c2', has_more: !stuck, items: [{ id: 3 }] });
    sendJson(
      res,
      200,
      stuck ? { cursor: 'c2', has_more: true, items: [{ id: 3 }] } : { cursor: 'c2', has_more: false, items: [] },
    );
  });
  const endpoint = (path: string) => ({
    path,
    method: 'POST',
    json: { limit: 2 },
    data_selector: 'items',
    paginator: { type: 'cursor', cursor_path: 'cursor', cursor_body_path: 'cursor' },
  });
  const client = clientOf(
    sourceOf(
      {
        resources: [
          { name: 'signins', primary_key: 'id', endpoint: endpoint('/signins') },
          { name: 'stuck', primary_key: 'id', endpoint: endpoint('/stuck') },
        ],
      },
      server.url,
    ),
  );
  assert.deepEqual(ids(await recordsOf(client, 'signins')), [1, 2, 3]);
  assert.deepEqual(
    server.requests.map((r) => r.body),
    ['{"limit":2}', '{"limit":2,"cursor":"c1"}', '{"limit":2,"cursor":"c2"}'],
  );
  await assert.rejects(recordsOf(client, 'stuck'), (e: unknown) => e instanceof RestError && e.code === 'CURSOR_LOOP');
});

test('offset: an empty last page and a last page whose list is null both end the walk', async () => {
  for (const last of [{ data: [] }, { data: null }]) {
    const server = await startRecorder((req, res) => {
      const offset = Number(req.url.searchParams.get('offset'));
      sendJson(res, 200, offset < 4 ? { data: [{ id: offset + 1 }, { id: offset + 2 }] } : last);
    });
    const client = clientOf(
      sourceOf(one({ data_selector: 'data', paginator: { type: 'offset', limit: 2, total_path: null } }), server.url),
    );
    assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4]);
    assert.equal(server.requests.length, 3);
  }
});

test('auto-detection: a next link under a key with a dot (@odata.nextLink) is followed byte for byte, both detected and configured', async () => {
  const server = await startRecorder((req, res) => {
    const skip = req.url.searchParams.get('$skiptoken');
    sendJson(res, 200, {
      '@odata.context': `${server.url}/$metadata#users`,
      ...(skip ? {} : { '@odata.nextLink': `${server.url}/users?$select=id,displayName&$top=2&$skiptoken=RFNw%3D%3D` }),
      value: skip ? [{ id: 'c' }] : [{ id: 'a' }, { id: 'b' }],
    });
  });
  const params = { $select: 'id,displayName', $top: 2 };
  const client = clientOf(
    sourceOf(
      {
        resources: [
          { name: 'users', primary_key: 'id', endpoint: { path: '/users', params } },
          {
            name: 'users_explicit',
            primary_key: 'id',
            endpoint: {
              path: '/users',
              params,
              data_selector: 'value',
              paginator: { type: 'json_link', next_url_path: "['@odata.nextLink']" },
            },
          },
        ],
      },
      server.url,
    ),
  );
  const pages = await pagesOf(client, 'users');
  assert.deepEqual(ids(pages.flatMap((p) => [...p.records])), ['a', 'b', 'c']);
  assert.equal(pages[1]?.paginator, "auto → json_link(['@odata.nextLink'])");
  assert.deepEqual(ids(await recordsOf(client, 'users_explicit')), ['a', 'b', 'c']);
  const sent = server.requests.map((r) => r.rawUrl);
  assert.deepEqual(sent.slice(0, 2), [
    '/users?%24select=id%2CdisplayName&%24top=2',
    '/users?$select=id,displayName&$top=2&$skiptoken=RFNw%3D%3D',
  ]);
  assert.deepEqual(sent.slice(2), sent.slice(0, 2));
});

test('no silent partial load: a detected records path that stops resolving fails the walk', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 1);
    sendJson(
      res,
      200,
      page === 1 ? { results: [{ id: 1 }], next: '/items?page=2' } : { result_list: [{ id: 2 }], next: null },
    );
  });
  const client = clientOf(sourceOf(one({}), server.url));
  await assert.rejects(recordsOf(client, 'items'), (e: unknown) => {
    assert.ok(e instanceof RestError && e.code === 'SELECTOR_NO_LIST');
    assert.match(e.message, /the records path detected on page 1, "results" found nothing/);
    return true;
  });
});

test('no silent partial load: a single page as full as requested, and an offset walk short of the API total, end with warnings', async () => {
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/short') {
      const offset = Number(req.url.searchParams.get('offset'));
      // The API says 10, but its data ends at 7: records vanished while the walk ran, or offsets are capped.
      return sendJson(res, 200, {
        total: 10,
        data: offset < 7 ? [offset + 1, offset + 2].filter((n) => n <= 7).map((id) => ({ id })) : [],
      });
    }
    sendJson(res, 200, { data: [{ id: 1 }, { id: 2 }] });
  });
  const client = clientOf(
    sourceOf(
      {
        resources: [
          {
            name: 'full',
            primary_key: 'id',
            endpoint: { path: '/full', params: { per_page: 2 }, data_selector: 'data' },
          },
          {
            name: 'notfull',
            primary_key: 'id',
            endpoint: { path: '/full', params: { per_page: 5 }, data_selector: 'data' },
          },
          {
            name: 'short',
            primary_key: 'id',
            endpoint: { path: '/short', data_selector: 'data', paginator: { type: 'offset', limit: 2 } },
          },
        ],
      },
      server.url,
    ),
  );
  const full = await pagesOf(client, 'full');
  assert.deepEqual(ids(full.flatMap((p) => [...p.records])), [1, 2]);
  assert.deepEqual(full.at(-1)?.warnings, [
    'the auto → single_page paginator stopped on a page as full as requested (per_page=2); the API probably has more pages: configure a paginator',
  ]);
  assert.equal((await pagesOf(client, 'notfull')).at(-1)?.warnings, undefined);
  const short = await pagesOf(client, 'short');
  assert.deepEqual(ids(short.flatMap((p) => [...p.records])), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(short.at(-1)?.warnings, [
    `the API's total at "total" is 10, but the walk from offset 0 received 7 records`,
  ]);
});
