// Every paginator and stop condition end to end: config dict → RestClient → local HTTP server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestError } from '../../src/rest/errors.js';
import { clientOf, ids, pagesOf, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

const ITEMS = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));

function resource(endpoint: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { resources: [{ name: 'items', primary_key: 'id', endpoint: { path: '/items', ...endpoint }, ...extra }] };
}

test('json_link: next_url_path in the body, absolute URLs, the query of the link replaces ours', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 1);
    sendJson(res, 200, {
      data: ITEMS.slice((page - 1) * 3, page * 3),
      paging: { next: page < 3 ? `${server.url}/items?page=${page + 1}` : null },
    });
  });
  const client = clientOf(
    sourceOf(
      resource({
        params: { per_page: 3 },
        paginator: { type: 'json_link', next_url_path: 'paging.next' },
        data_selector: 'data',
      }),
      server.url,
    ),
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    server.requests.map((r) => r.url.search),
    ['?per_page=3', '?page=2', '?page=3'],
  );
});

test('header_link: follows Link rel="next" (GitHub style), records are the list body', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 1);
    const headers: Record<string, string> =
      page < 3
        ? { link: `<${server.url}/items?page=${page + 1}>; rel="next", <${server.url}/items?page=3>; rel="last"` }
        : {};
    sendJson(res, 200, ITEMS.slice((page - 1) * 3, page * 3), headers);
  });
  const client = clientOf(sourceOf(resource({ paginator: 'header_link' }), server.url));
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(server.requests.length, 3);
});

test('offset: limit/offset params until total_path; maximum_offset caps it', async () => {
  const handler = (req: { url: URL }, res: Parameters<typeof sendJson>[0]) => {
    const offset = Number(req.url.searchParams.get('offset'));
    const limit = Number(req.url.searchParams.get('limit'));
    sendJson(res, 200, { items: ITEMS.slice(offset, offset + limit), meta: { total: ITEMS.length } });
  };
  const server = await startRecorder(handler);
  const client = clientOf(
    sourceOf(resource({ paginator: { type: 'offset', limit: 3, total_path: 'meta.total' } }), server.url),
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    server.requests.map((r) => r.url.search),
    ['?offset=0&limit=3', '?offset=3&limit=3', '?offset=6&limit=3'],
  );

  const capped = await startRecorder(handler);
  const c2 = clientOf(
    sourceOf(resource({ paginator: { type: 'offset', limit: 2, total_path: null, maximum_offset: 4 } }), capped.url),
  );
  assert.deepEqual(ids(await recordsOf(c2, 'items')), [1, 2, 3, 4]);
});

test('stop_after_empty_page: offset without a total stops on the first empty page (dlt default)', async () => {
  const server = await startRecorder((req, res) => {
    const offset = Number(req.url.searchParams.get('offset'));
    sendJson(res, 200, ITEMS.slice(offset, offset + 4));
  });
  const client = clientOf(
    sourceOf(resource({ paginator: { type: 'offset', limit: 4, total_path: null } }), server.url),
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    server.requests.map((r) => r.url.searchParams.get('offset')),
    ['0', '4', '8'],
  );
});

test('page_number: base_page 1 and total pages; has_more_path stops it', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('p'));
    sendJson(res, 200, { results: ITEMS.slice((page - 1) * 3, page * 3), total_pages: 3, has_more: page < 2 });
  });
  const byTotal = clientOf(
    sourceOf(
      resource({ paginator: { type: 'page_number', base_page: 1, page_param: 'p', total_path: 'total_pages' } }),
      server.url,
    ),
  );
  assert.deepEqual(ids(await recordsOf(byTotal, 'items')), [1, 2, 3, 4, 5, 6, 7]);
  const byHasMore = clientOf(
    sourceOf(
      resource({
        paginator: { type: 'page_number', base_page: 1, page_param: 'p', total_path: null, has_more_path: 'has_more' },
      }),
      server.url,
    ),
  );
  assert.deepEqual(ids(await recordsOf(byHasMore, 'items')), [1, 2, 3, 4, 5, 6]);
});

test('cursor: query param from cursor_path, and stop_condition ends it even when a cursor is present', async () => {
  const server = await startRecorder((req, res) => {
    const at = Number(req.url.searchParams.get('after') ?? 0);
    sendJson(res, 200, {
      entries: ITEMS.slice(at, at + 3),
      metadata: { after: String(at + 3), done: at + 3 >= ITEMS.length },
    });
  });
  const client = clientOf(
    sourceOf(
      resource({
        data_selector: 'entries',
        paginator: {
          type: 'cursor',
          cursor_param: 'after',
          cursor_path: 'metadata.after',
          stop_condition: 'metadata.done == true',
        },
      }),
      server.url,
    ),
  );
  const pages = await pagesOf(client, 'items');
  assert.deepEqual(ids(pages.flatMap((p) => [...p.records])), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    server.requests.map((r) => r.url.searchParams.get('after')),
    [null, '3', '6'],
  );
  assert.equal(pages[0]?.paginator, 'cursor(after ← metadata.after), stop when metadata.done == true');
});

test('cursor in a POST body: the JSON body carries the query and the cursor at cursor_body_path', async () => {
  const server = await startRecorder((req, res) => {
    const body = req.json as { query: string; page?: { token?: string } };
    const at = Number(body.page?.token ?? 0);
    sendJson(res, 200, { results: ITEMS.slice(at, at + 4), next_token: at + 4 < ITEMS.length ? String(at + 4) : null });
  });
  const client = clientOf(
    sourceOf(
      resource({
        method: 'POST',
        json: { query: 'all', page: { size: 4 } },
        data_selector: 'results',
        paginator: { type: 'cursor', cursor_path: 'next_token', cursor_body_path: 'page.token' },
      }),
      server.url,
    ),
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.headers['content-type'], r.json]),
    [
      ['POST', 'application/json', { query: 'all', page: { size: 4 } }],
      ['POST', 'application/json', { query: 'all', page: { size: 4, token: '4' } }],
    ],
  );
});

test('header_cursor: cursor in a response header', async () => {
  const server = await startRecorder((req, res) => {
    const at = Number(req.url.searchParams.get('cursor') ?? 0);
    sendJson(res, 200, ITEMS.slice(at, at + 5), at + 5 < ITEMS.length ? { 'next-page': String(at + 5) } : {});
  });
  const client = clientOf(
    sourceOf(resource({ paginator: { type: 'header_cursor', cursor_key: 'Next-Page' } }), server.url),
  );
  assert.deepEqual(ids(await recordsOf(client, 'items')), [1, 2, 3, 4, 5, 6, 7]);
});

test('single_page: one request even when the body has a next link', async () => {
  const server = await startRecorder((_req, res) =>
    sendJson(res, 200, { items: ITEMS, next: `${server.url}/items?page=2` }),
  );
  const client = clientOf(sourceOf(resource({ paginator: 'single_page' }), server.url));
  assert.equal((await recordsOf(client, 'items')).length, 7);
  assert.equal(server.requests.length, 1);
});

test('auto (no paginator): detects a body link and the record list; client.paginator is the default', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 1);
    sendJson(res, 200, {
      count: 7,
      results: ITEMS.slice((page - 1) * 4, page * 4),
      next: page < 2 ? `/items?page=${page + 1}` : null,
    });
  });
  const client = clientOf(sourceOf(resource({}), server.url));
  const pages = await pagesOf(client, 'items');
  assert.deepEqual(ids(pages.flatMap((p) => [...p.records])), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(pages[0]?.paginator, 'auto → json_link(next)');
  assert.equal(pages[0]?.dataPath, 'results');

  const viaClient = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 0);
    sendJson(res, 200, page < 2 ? [{ id: page }] : []);
  });
  const c2 = clientOf(
    sourceOf({ client: { paginator: { type: 'page_number', total_path: null } }, ...resource({}) }, viaClient.url),
  );
  assert.deepEqual(ids(await recordsOf(c2, 'items')), [0, 1]);
});

test('a single-entity path ({id} at the end) reads one object as one record, one page (dlt)', async () => {
  const server = await startRecorder((req, res) =>
    sendJson(res, 200, { id: req.url.pathname.split('/').pop(), next: 'https://elsewhere.test/' }),
  );
  const client = clientOf(
    sourceOf(
      {
        resources: [
          { name: 'item', primary_key: 'id', endpoint: { path: '/items/{item_id}', params: { item_id: 42 } } },
        ],
      },
      server.url,
    ),
  );
  assert.deepEqual(await recordsOf(client, 'item'), [{ id: '42', next: 'https://elsewhere.test/' }]);
  assert.deepEqual(
    server.requests.map((r) => r.url.pathname + r.url.search),
    ['/items/42'],
  );
});

test('cursor-loop detection covers every paginator: the same request twice stops the run', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, { data: [{ id: 1 }], next: '/items?page=1' }));
  const client = clientOf(sourceOf(resource({ paginator: 'json_link' }), server.url));
  await assert.rejects(recordsOf(client, 'items'), (e: unknown) => e instanceof RestError && e.code === 'CURSOR_LOOP');
  assert.equal(server.requests.length, 2);
});

test('max_pages: a runaway paginator fails with MAX_PAGES after exactly that many requests', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 0);
    sendJson(res, 200, [{ id: page }]);
  });
  const client = clientOf(
    sourceOf(resource({ paginator: { type: 'page_number', total_path: null } }, { max_pages: 5 }), server.url),
  );
  await assert.rejects(
    recordsOf(client, 'items'),
    (e: unknown) => e instanceof RestError && e.code === 'MAX_PAGES' && /more than 5 pages/.test(e.message),
  );
  assert.equal(server.requests.length, 5);
});

test('max_response_bytes: a body above the limit fails with RESPONSE_TOO_LARGE, not retried', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, { data: 'x'.repeat(5000) }));
  const client = clientOf(sourceOf({ client: { max_response_bytes: 1024 }, ...resource({}) }, server.url));
  await assert.rejects(
    recordsOf(client, 'items'),
    (e: unknown) => e instanceof RestError && e.code === 'RESPONSE_TOO_LARGE' && /1024 bytes/.test(e.message),
  );
  assert.equal(server.requests.length, 1);
});

test('an HTML error page with 200 and a text/html type is BODY_NOT_JSON, never parsed as records', async () => {
  const server = await startRecorder((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('\n  <html><head><title>Service Unavailable</title></head></html>');
  });
  const client = clientOf(sourceOf(resource({}), server.url));
  await assert.rejects(
    recordsOf(client, 'items'),
    (e: unknown) => e instanceof RestError && e.code === 'BODY_NOT_JSON' && /HTML page/.test(e.message),
  );
});

test('a paginator protocol violation (no total) is PAGINATOR_INVALID naming the path', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, { items: [{ id: 1 }] }));
  const client = clientOf(sourceOf(resource({ paginator: { type: 'offset', limit: 10 } }), server.url));
  await assert.rejects(
    recordsOf(client, 'items'),
    (e: unknown) =>
      e instanceof RestError && e.code === 'PAGINATOR_INVALID' && /total items at "total"/.test(e.message),
  );
});

test('client headers, endpoint headers and client params reach the API; endpoint params win', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, []));
  const client = clientOf(
    sourceOf(
      {
        client: { headers: { 'X-Client': 'c', 'X-Both': 'client' }, params: { api_version: 2, locale: 'en' } },
        resource_defaults: { endpoint: { params: { per_page: 50 } } },
        ...resource({ headers: { 'X-Both': 'endpoint' }, params: { locale: 'fr' } }),
      },
      server.url,
    ),
  );
  await recordsOf(client, 'items');
  const req = server.requests[0];
  assert.equal(req?.headers['x-client'], 'c');
  assert.equal(req?.headers['x-both'], 'endpoint');
  assert.deepEqual(Object.fromEntries(req?.url.searchParams ?? []), { api_version: '2', locale: 'fr', per_page: '50' });
});

test('processing_steps (TS configs): filter and map in order; a map returning nothing drops; a throw names the step', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, ITEMS));
  const steps = [
    { filter: (r: unknown) => (r as { id: number }).id % 2 === 1 },
    { map: (r: unknown) => ((r as { id: number }).id === 5 ? undefined : { ...(r as object), odd: true }) },
    { filter: (r: unknown) => (r as { id: number }).id > 1 },
  ];
  const client = clientOf(sourceOf(resource({ paginator: 'single_page' }, { processing_steps: steps }), server.url));
  assert.deepEqual(await recordsOf(client, 'items'), [
    { id: 3, odd: true },
    { id: 7, odd: true },
  ]);
  const boom = clientOf(
    sourceOf(
      resource(
        { paginator: 'single_page' },
        {
          processing_steps: [
            {
              map: () => {
                throw new Error('nope');
              },
            },
          ],
        },
      ),
      server.url,
    ),
  );
  await assert.rejects(
    recordsOf(boom, 'items'),
    (e: unknown) =>
      e instanceof RestError &&
      e.code === 'PROCESSING_STEP_FAILED' &&
      /processing_steps\[0\] \(map\) threw: nope/.test(e.message),
  );
});

test('timeout_seconds: an attempt that outlives it is HTTP_TIMEOUT (retriable)', async () => {
  const server = await startRecorder(() => {
    /* never answers */
  });
  const client = clientOf(sourceOf({ client: { timeout_seconds: 0.2 }, ...resource({}) }, server.url), {
    http: {},
    retry: { retries: 1 },
  });
  await assert.rejects(
    recordsOf(client, 'items'),
    (e: unknown) =>
      e instanceof RestError &&
      e.code === 'HTTP_TIMEOUT' &&
      /within 200 ms/.test(e.message) &&
      e.context.attempts === 2,
  );
});

// dlt: tests/sources/rest_api/integration/test_offline.py, test_request_data_body and test_post_data_param_with_raw_data
test('request body data: form fields url-encoded (as a dict or as pairs), or a raw string; yield_map turns one record into many', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, [{ id: 1, tags: ['a', 'b'] }]));
  const form = clientOf(
    sourceOf(
      resource({ method: 'POST', data: { since: '2024-01-01', limit: 10 }, paginator: 'single_page' }),
      server.url,
    ),
  );
  await recordsOf(form, 'items');
  const pairs = clientOf(
    sourceOf(
      resource({
        method: 'POST',
        data: [
          ['tag', 'x'],
          ['tag', 'y'],
        ],
        paginator: 'single_page',
      }),
      server.url,
    ),
  );
  await recordsOf(pairs, 'items');
  const raw = clientOf(sourceOf(resource({ method: 'POST', data: 'raw body', paginator: 'single_page' }), server.url));
  await recordsOf(raw, 'items');
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.headers['content-type'], r.body]),
    [
      ['POST', 'application/x-www-form-urlencoded', 'since=2024-01-01&limit=10'],
      ['POST', 'application/x-www-form-urlencoded', 'tag=x&tag=y'],
      ['POST', undefined, 'raw body'],
    ],
  );
  const split = clientOf(
    sourceOf(
      resource(
        { paginator: 'single_page' },
        {
          processing_steps: [
            { yield_map: (r: { id: number; tags: string[] }) => r.tags.map((tag) => ({ id: `${r.id}-${tag}` })) },
          ],
        },
      ),
      server.url,
    ),
  );
  assert.deepEqual(await recordsOf(split, 'items'), [{ id: '1-a' }, { id: '1-b' }]);
});
