// Each paginator as a pure object: init/update/next on hand-made requests and responses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paginatorSchema } from '../../src/config/schema.js';
import { detectPaginator, detectRecordsPath } from '../../src/rest/detector.js';
import {
  createPaginator,
  PaginationError,
  type PageRequest,
  type PageResponse,
  type Paginator,
} from '../../src/rest/paginators/index.js';
import { parseLinkHeader } from '../../src/rest/paginators/header-link.js';

const make = (config: unknown): Paginator => createPaginator(paginatorSchema.parse(config) as never);
const request = (url = 'https://api.test/items?fixed=1', json?: Record<string, unknown>): PageRequest => ({
  url: new URL(url),
  method: json ? 'POST' : 'GET',
  json,
});
const response = (body: unknown, headers: Record<string, string> = {}): PageResponse => ({
  status: 200,
  headers,
  body,
});

/** Drives a paginator over scripted responses; returns the query (or body) of every request it made. */
function drive(
  p: Paginator,
  bodies: { body: unknown; records?: unknown[]; headers?: Record<string, string> }[],
  req = request(),
): string[] {
  const seen: string[] = [];
  p.init(req);
  for (const { body, records, headers } of bodies) {
    seen.push(req.json ? JSON.stringify(req.json) : req.url.search);
    p.update(response(body, headers), records ?? (Array.isArray(body) ? body : []));
    if (!p.hasNextPage) return seen;
    p.next(req);
  }
  throw new Error(`still paginating after ${bodies.length} pages: ${seen.join(' ')}`);
}

test('single_page: one request, whatever the body says', () => {
  assert.deepEqual(drive(make('single_page'), [{ body: { next: 'https://api.test/x' } }]), ['?fixed=1']);
});

test('json_link: follows next_url_path, absolute or relative, until it is null or missing', () => {
  const p = make({ type: 'json_link', next_url_path: 'paging.next' });
  const req = request();
  p.init(req);
  p.update(response({ paging: { next: 'https://api.test/items?page=2' } }), []);
  p.next(req);
  assert.equal(req.url.href, 'https://api.test/items?page=2');
  p.update(response({ paging: { next: '/items?page=3' } }), []);
  p.next(req);
  assert.equal(req.url.href, 'https://api.test/items?page=3', 'relative links resolve against the current request');
  p.update(response({ paging: { next: null } }), []);
  assert.equal(p.hasNextPage, false);
  assert.equal(make('json_link').description, 'json_link(next)');
});

test('json_link: a link to a page already fetched is a loop, and a non-http link is refused', () => {
  const p = make({ type: 'json_link' });
  const req = request('https://api.test/a');
  p.init(req);
  p.update(response({ next: 'https://api.test/b' }), [1]);
  p.next(req);
  assert.throws(
    () => p.update(response({ next: 'https://api.test/b' }), [2]),
    (e: unknown) => e instanceof PaginationError && e.code === 'CURSOR_LOOP',
  );
  // The same link on a page that says the data is over (no records, or has_more: false) ends the walk.
  for (const [body, records] of [
    [{ next: 'https://api.test/b' }, []],
    [{ next: 'https://api.test/b', meta: { has_more: false } }, [2]],
  ] as const) {
    const e = make({ type: 'json_link' });
    const r = request('https://api.test/a');
    e.init(r);
    e.update(response({ next: 'https://api.test/b' }), [1]);
    e.next(r);
    e.update(response(body), records);
    assert.equal(e.hasNextPage, false);
  }
  const q = make({ type: 'json_link' });
  q.init(request());
  assert.throws(
    () => q.update(response({ next: 'javascript:alert(1)' }), []),
    (e: unknown) => e instanceof PaginationError && e.code === 'PAGINATOR_INVALID',
  );
});

test('header_link: RFC 8288 Link header, rel="next", quoted or not, among other relations', () => {
  const links = parseLinkHeader(
    '<https://a.test/x?page=2&q=a,b>; rel="next", <https://a.test/x?page=9>; rel="last", <https://a.test/p>; title="a, b"; rel=prev',
  );
  assert.equal(links.get('next'), 'https://a.test/x?page=2&q=a,b');
  assert.equal(links.get('last'), 'https://a.test/x?page=9');
  assert.equal(links.get('prev'), 'https://a.test/p');
  assert.equal(
    parseLinkHeader('<https://a.test/2>; rel="prev next"').get('next'),
    'https://a.test/2',
    'a rel may list several relation types',
  );
  const p = make('header_link');
  const seen = drive(p, [
    { body: [], headers: { link: '<https://api.test/items?page=2>; rel="next"' } },
    { body: [], headers: { link: '<https://api.test/items?page=1>; rel="prev"' } },
  ]);
  assert.deepEqual(seen, ['?fixed=1', '?page=2']);
  const custom = make({ type: 'header_link', links_next_key: 'forward' });
  custom.init(request());
  custom.update(response([], { Link: '<https://api.test/f>; rel="forward"' }), []);
  assert.equal(custom.hasNextPage, true);
});

test('header_cursor: the cursor comes from a header and goes back as a query parameter', () => {
  const p = make({ type: 'header_cursor', cursor_key: 'X-Next-Token', cursor_param: 'token' });
  assert.deepEqual(
    drive(p, [
      { body: [1], headers: { 'x-next-token': 'n1' } },
      { body: [1], headers: { 'x-next-token': 'n2' } },
      { body: [1] },
    ]),
    ['?fixed=1', '?fixed=1&token=n1', '?fixed=1&token=n2'],
  );
});

test('cursor: query parameter (default "cursor"), stops when the cursor is missing, null or empty', () => {
  for (const last of [{}, { cursors: { next: null } }, { cursors: { next: '' } }]) {
    const seen = drive(make('cursor'), [{ body: { cursors: { next: 'abc' } } }, { body: last }]);
    assert.deepEqual(seen, ['?fixed=1', '?fixed=1&cursor=abc']);
  }
  assert.equal(
    make({ type: 'cursor', cursor_param: 'after', cursor_path: 'metadata.after' }).description,
    'cursor(after ← metadata.after)',
  );
});

test('cursor in a POST body: cursor_body_path, nested, the rest of the body kept', () => {
  const p = make({ type: 'cursor', cursor_path: 'meta.nextToken', cursor_body_path: 'pagination.cursor' });
  const seen = drive(
    p,
    [{ body: { meta: { nextToken: 't1' } } }, { body: { meta: { nextToken: 't2' } } }, { body: { meta: {} } }],
    request('https://api.test/search', { query: 'x' }),
  );
  assert.deepEqual(seen, [
    '{"query":"x"}',
    '{"query":"x","pagination":{"cursor":"t1"}}',
    '{"query":"x","pagination":{"cursor":"t2"}}',
  ]);
  assert.equal(p.description, 'cursor(body.pagination.cursor ← meta.nextToken)');
});

test('offset: limit and offset params, stops at the total', () => {
  const p = make({ type: 'offset', limit: 2 });
  const seen = drive(p, [
    { body: { total: 5 }, records: [1, 2] },
    { body: { total: 5 }, records: [3, 4] },
    { body: { total: 5 }, records: [5] },
  ]);
  assert.deepEqual(seen, ['?fixed=1&offset=0&limit=2', '?fixed=1&offset=2&limit=2', '?fixed=1&offset=4&limit=2']);
});

test('offset: custom names, maximum_offset without a total, empty page, body placement', () => {
  const max = make({
    type: 'offset',
    limit: 10,
    offset: 5,
    offset_param: 'skip',
    limit_param: 'take',
    total_path: null,
    maximum_offset: 25,
  });
  assert.deepEqual(
    drive(max, [
      { body: {}, records: [1] },
      { body: {}, records: [1] },
    ]),
    ['?fixed=1&skip=5&take=10', '?fixed=1&skip=15&take=10'],
  );
  const empty = make({ type: 'offset', limit: 10, total_path: null });
  assert.deepEqual(
    drive(empty, [
      { body: {}, records: [1] },
      { body: {}, records: [] },
    ]).length,
    2,
  );
  const body = make({
    type: 'offset',
    limit: 3,
    offset_body_path: 'page.offset',
    limit_body_path: 'page.size',
    total_path: null,
  });
  assert.deepEqual(
    drive(
      body,
      [
        { body: {}, records: [1] },
        { body: {}, records: [] },
      ],
      request('https://api.test/q', { q: 1 }),
    ),
    ['{"q":1,"page":{"offset":0,"size":3}}', '{"q":1,"page":{"offset":3,"size":3}}'],
  );
});

test('offset: a missing or non-integer total is a clear PAGINATOR_INVALID error', () => {
  const p = make({ type: 'offset', limit: 2 });
  p.init(request());
  assert.throws(
    () => p.update(response({ items: [] }), [1]),
    (e: unknown) =>
      e instanceof PaginationError && e.code === 'PAGINATOR_INVALID' && /no total items at "total"/.test(e.message),
  );
  const q = make({ type: 'offset', limit: 2, total_path: 'meta.count' });
  q.init(request());
  assert.throws(() => q.update(response({ meta: { count: 'many' } }), [1]), /not an integer/);
});

test('page_number: base_page 1, total pages, has_more_path, maximum_page', () => {
  const total = make({ type: 'page_number', base_page: 1, total_path: 'total_pages' });
  assert.deepEqual(
    drive(total, [
      { body: { total_pages: 3 }, records: [1] },
      { body: { total_pages: 3 }, records: [1] },
      { body: { total_pages: 3 }, records: [1] },
    ]),
    ['?fixed=1&page=1', '?fixed=1&page=2', '?fixed=1&page=3'],
  );
  const more = make({ type: 'page_number', page_param: 'p', total_path: null, has_more_path: 'has_more' });
  assert.deepEqual(
    drive(more, [
      { body: { has_more: true }, records: [1] },
      { body: { has_more: 'false' }, records: [1] },
    ]),
    ['?fixed=1&p=0', '?fixed=1&p=1'],
  );
  const capped = make({ type: 'page_number', base_page: 1, page: 2, total_path: null, maximum_page: 4 });
  assert.deepEqual(
    drive(capped, [
      { body: {}, records: [1] },
      { body: {}, records: [1] },
    ]),
    ['?fixed=1&page=2', '?fixed=1&page=3'],
  );
  const bad = make({ type: 'page_number', total_path: null, has_more_path: 'more' });
  bad.init(request());
  assert.throws(() => bad.update(response({}), [1]), /has_more_path "more" is missing/);
});

test('auto: Link header, a next link in the body, a page count, a cursor, else one page (dlt detector order)', () => {
  assert.deepEqual(detectPaginator(response([], { link: '<https://x.test/2>; rel="next"' })), { type: 'header_link' });
  assert.deepEqual(detectPaginator(response({ data: [], pagination: { next: 'https://x.test/2' } })), {
    type: 'json_link',
    next_url_path: 'pagination.next',
  });
  assert.deepEqual(detectPaginator(response({ results: [], links: { next: { href: '/items?page=2' } } })), {
    type: 'json_link',
    next_url_path: 'links.next.href',
  });
  assert.deepEqual(detectPaginator(response({ data: [], next: null })), { type: 'json_link', next_url_path: 'next' });
  assert.deepEqual(
    detectPaginator(response({ data: [], next_cursor: 'abc' })),
    { type: 'cursor', cursor_path: 'next_cursor' },
    'an opaque cursor is not a link: it is sent back as the cursor param',
  );
  assert.deepEqual(detectPaginator(response({ data: [], meta: { totalPages: 4 }, next_cursor: 'abc' })), {
    type: 'page_number',
    total_path: 'meta.totalPages',
  });
  assert.deepEqual(detectPaginator(response([{ id: 1 }])), { type: 'single_page' });
  const p = make('auto');
  drive(p, [{ body: { items: [], next: 'https://api.test/items?page=2' } }, { body: { items: [], next: null } }]);
  assert.equal(p.description, 'auto → json_link(next)');
  const q = make('auto');
  const seen = drive(q, [
    { body: { items: [1], page_info: { total_pages: 2 } }, records: [1] },
    { body: { items: [2], page_info: { total_pages: 2 } }, records: [2] },
  ]);
  assert.deepEqual(seen, ['?fixed=1', '?fixed=1&page=1']);
  assert.equal(q.hasNextPage, false, 'a detected page count walks to the last page, then stops');
});

test('records detection: a list body, a list under a records key, the shallowest list, else the body', () => {
  assert.deepEqual(detectRecordsPath([1, 2]), []);
  assert.deepEqual(detectRecordsPath({ meta: { tags: [] }, data: [] }), ['data']);
  assert.deepEqual(detectRecordsPath({ response: { users: [] } }), ['response', 'users']);
  assert.deepEqual(detectRecordsPath({ links: [], results: { items: [] } }), ['results', 'items']);
  assert.deepEqual(detectRecordsPath({ id: 1 }), []);
});

// dlt: tests/sources/helpers/rest_client/test_paginators.py, TestJSONResponseCursorPaginator
// (test_update_state_stop_after_empty_page, test_update_has_more_path*, test_update_has_more_path_missing)
test('cursor: stop_after_empty_page and has_more_path, as dlt; a missing or non-boolean has_more is PAGINATOR_INVALID', () => {
  const empty = make({ type: 'cursor', cursor_path: 'next', stop_after_empty_page: true });
  empty.init(request());
  empty.update(response({ items: [], next: 'c2' }), []);
  assert.equal(empty.hasNextPage, false);
  const byDefault = make({ type: 'cursor', cursor_path: 'next' });
  byDefault.init(request());
  byDefault.update(response({ items: [], next: 'c2' }), []);
  assert.equal(byDefault.hasNextPage, true, 'dlt: stop_after_empty_page is off by default for cursor');
  for (const [flag, more] of [
    [false, false],
    ['false', false],
    [true, true],
    ['true', true],
  ] as const) {
    const p = make({ type: 'cursor', cursor_path: 'next', has_more_path: 'meta.has_more' });
    p.init(request());
    p.update(response({ items: [1], next: 'c2', meta: { has_more: flag } }), [1]);
    assert.equal(p.hasNextPage, more, `has_more ${JSON.stringify(flag)}`);
  }
  const missing = make({ type: 'cursor', cursor_path: 'next', has_more_path: 'meta.has_more' });
  missing.init(request());
  assert.throws(
    () => missing.update(response({ items: [1], next: 'c2' }), [1]),
    (e: unknown) => e instanceof PaginationError && e.code === 'PAGINATOR_INVALID' && /missing/.test(e.message),
  );
});
