// dlt's mock API for its rest_api tests (dlt-hub/dlt, tests/sources/rest_api/conftest.py `mock_api_server`, with
// the record paginators of tests/sources/helpers/rest_client/paginators.py), written again in TypeScript as a real
// HTTP server on port 0, so the conformance cases that call it run their configs unchanged but for the base URL.
// Same routes, same bodies; like requests_mock, a route's pattern is searched in the URL and the route registered
// last wins.
import type { ServerResponse } from 'node:http';
import { sendJson, startRecorder, type RecordingServer, type SeenRequest } from '../unit/rest-support.js';

/** conftest.py's MOCK_BASE_URL: configs name it; the runner swaps it for the local server's URL. */
export const MOCK_BASE_URL = 'https://api.example.com';
const PAGE_SIZE = 5;
const TOTAL_PAGES = 5;
const LIMIT = 10;
const REACTIONS = 5;
const COMMENTS = 50;

type Body = unknown;
interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body: Body;
  /** send the body as text, not JSON */
  text?: boolean;
}
type Route = { method: 'GET' | 'POST'; pattern: RegExp; handle: (req: SeenRequest) => Reply | Body };

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export const generatePosts = (count = PAGE_SIZE * TOTAL_PAGES) =>
  range(count).map((i) => ({ id: i, title: `Post ${i}` }));
const postsWithReactions = (count = PAGE_SIZE * TOTAL_PAGES) =>
  range(count).map((i) => ({
    id: i,
    title: `Post ${i}`,
    reactions: range(REACTIONS).map((j) => ({ id: j, title: `Reaction ${j} for post ${i}` })),
  }));
const comments = (postId: number) =>
  range(COMMENTS).map((i) => ({ id: i, post_id: postId, body: `Comment ${i} for post ${postId}` }));

function pageNumberPage(records: unknown[], page: number, indexBase = 1) {
  const totalPages = Math.ceil(records.length / PAGE_SIZE);
  const start = (page - indexBase) * PAGE_SIZE;
  const nextPage = page + 1 < totalPages + indexBase ? page + 1 : undefined;
  return { records: records.slice(start, start + PAGE_SIZE), metadata: { page, total_pages: totalPages }, nextPage };
}

function nextPageUrl(req: SeenRequest, page: number, absolute: boolean): string {
  const query = `page=${page}`;
  // conftest builds it from the request URL: here that is the local server, not MOCK_BASE_URL
  return absolute ? `http://${String(req.headers.host)}${req.url.pathname}?${query}` : `${req.url.pathname}?${query}`;
}

function paginateByPageNumber(
  req: SeenRequest,
  records: unknown[],
  { recordsKey = 'data' as string | null, absolute = true, indexBase = 1 } = {},
): Body {
  const page = Number(req.url.searchParams.get('page') ?? indexBase);
  const p = pageNumberPage(records, page, indexBase);
  // dlt's conftest: {records_key: records, **metadata}; with records_key None the key is null
  const response: Record<string, unknown> = { [String(recordsKey)]: p.records, ...p.metadata };
  if (p.nextPage !== undefined) response.next_page = nextPageUrl(req, p.nextPage, absolute);
  return response;
}

function offsetPage(records: unknown[], offset: number, limit: number) {
  return { data: records.slice(offset, offset + limit), total_records: records.length, offset, limit };
}

const postIdFromPath = (req: SeenRequest, fromEnd: number) => {
  const parts = req.url.pathname.split('/');
  return Number(parts[parts.length - fromEnd]);
};

const header = (req: SeenRequest, name: string) => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

function formFields(req: SeenRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(req.body)) (out[k] ??= []).push(v);
  return out;
}

const routes: Route[] = [];
const get = (p: string, handle: Route['handle']) =>
  routes.push({ method: 'GET', pattern: new RegExp(`^${p}`), handle });
const post = (p: string, handle: Route['handle']) =>
  routes.push({ method: 'POST', pattern: new RegExp(`^${p}`), handle });

get(String.raw`/posts_no_key(\?page=\d+)?$`, (r) => paginateByPageNumber(r, generatePosts(), { recordsKey: null }));
get(String.raw`/posts(\?.*)?$`, (r) => paginateByPageNumber(r, generatePosts()));
get(String.raw`/posts_zero_based(\?page=\d+)?$`, (r) => paginateByPageNumber(r, generatePosts(), { indexBase: 0 }));
get(String.raw`/posts_header_link(\?page=\d+)?$`, (r) => {
  const p = pageNumberPage(generatePosts(), Number(r.url.searchParams.get('page') ?? 1));
  const headers: Record<string, string> = {};
  if (p.nextPage !== undefined) headers.Link = `<${nextPageUrl(r, p.nextPage, true)}>; rel="next"`;
  return { body: p.records, headers } satisfies Reply;
});
get(String.raw`/posts_header_cursor(\?page=\d+)?$`, (r) => {
  const page = Number(r.url.searchParams.get('page') ?? 1);
  const p = pageNumberPage(generatePosts(), page);
  const headers: Record<string, string> = {};
  if (p.nextPage !== undefined) headers.cursor = String(page + 1);
  return { body: p.records, headers } satisfies Reply;
});
get(String.raw`/posts_relative_next_url(\?page=\d+)?$`, (r) =>
  paginateByPageNumber(r, generatePosts(), { absolute: false }),
);
get(String.raw`/posts_offset_limit(\?offset=\d+&limit=\d+)?$`, (r) =>
  offsetPage(
    generatePosts(),
    Number(r.url.searchParams.get('offset') ?? 0),
    Number(r.url.searchParams.get('limit') ?? LIMIT),
  ),
);
post(String.raw`/posts_offset_limit_via_json_body$`, (r) => {
  const body = (r.json ?? {}) as { offset?: number; limit?: number };
  return offsetPage(generatePosts(), Number(body.offset ?? 0), Number(body.limit ?? LIMIT));
});
get(String.raw`/posts_cursor(\?cursor=\d+)?$`, (r) => {
  const records = generatePosts();
  const cursor = Number(r.url.searchParams.get('cursor') ?? 0);
  const next = cursor + PAGE_SIZE;
  return { data: records.slice(cursor, next), next_cursor: next < records.length ? next : null };
});
get(String.raw`/posts/(\d+)/comments(\?.*)?$`, (r) => paginateByPageNumber(r, comments(postIdFromPath(r, 2))));
get(String.raw`/post_comments(\?.*)?$`, (r) =>
  paginateByPageNumber(r, comments(Number(r.url.searchParams.get('post_id') ?? 0))),
);
get(String.raw`/post_comments_via_headers(\?.*)?$`, (r) =>
  paginateByPageNumber(r, comments(Number(header(r, 'post_id')))),
);
post(String.raw`/post_comments(\?.*)?$`, (r) =>
  paginateByPageNumber(r, comments(Number((r.json as { post_id?: number } | undefined)?.post_id ?? 0))),
);
post(String.raw`/post_comments_via_form_data(\?.*)?$`, (r) => {
  const type = header(r, 'content-type');
  let postId: number;
  if (type?.toLowerCase() === 'application/x-www-form-urlencoded') postId = Number(formFields(r).post_id?.[0] ?? 0);
  else if (!type) postId = Number(r.body);
  else throw new Error(`Unsupported content type: ${type}`);
  return paginateByPageNumber(r, comments(postId));
});
get(String.raw`/posts/\d+$`, (r) => {
  const id = postIdFromPath(r, 1);
  return { id, body: `Post body ${id}` };
});
get(String.raw`/post_detail(\?.*)?$`, (r) => {
  const id = Number(r.url.searchParams.get('post_id') ?? 0);
  return { id, body: `Post body ${id}` };
});
get(String.raw`/post_detail_via_headers(\?.*)?$`, (r) => {
  const id = Number(header(r, 'post_id'));
  return { id, body: `Post body ${id}` };
});
post(String.raw`/post_detail(\?.*)?$`, (r) => {
  const id = Number((r.json as { post_id?: number } | undefined)?.post_id ?? 0);
  return { id, body: `Post body ${id}` };
});
get(String.raw`/posts/\d+/some_details_404`, (r) => {
  const id = postIdFromPath(r, 2);
  if (id < 1) return { id, body: `Post body ${id}` };
  return { status: 404, body: { error: `Post with id ${id} not found` } } satisfies Reply;
});
get(String.raw`/posts/\d+/some_details_404_others_422`, (r) => {
  const id = postIdFromPath(r, 2);
  if (id < 1) return { id, body: `Post body ${id}` };
  if (id === 1) return { status: 404, body: { error: `Post with id ${id} not found` } } satisfies Reply;
  return { status: 422, body: null } satisfies Reply;
});
get(String.raw`/posts/\d+/some_details_204`, (r) => {
  const id = postIdFromPath(r, 2);
  if (id < 1) return { id, body: `Post body ${id}` };
  return { status: 204, body: null } satisfies Reply;
});
get(String.raw`/posts_under_a_different_key$`, (r) =>
  paginateByPageNumber(r, generatePosts(), { recordsKey: 'many-results' }),
);
post(String.raw`/posts/search$`, (r) => {
  const body = (r.json ?? {}) as Record<string, number | undefined>;
  const pageSize = body.page_size ?? PAGE_SIZE;
  const pageCount = body.page_count ?? TOTAL_PAGES;
  const page = body.page ?? 1;
  const records = generatePosts(pageSize * pageCount).filter((p) => p.id > (body.ids_greater_than ?? 0));
  const totalPages = Math.ceil(records.length / pageSize);
  const start = (page - 1) * pageSize;
  return {
    data: records.slice(start, start + pageSize),
    next_page: page < totalPages ? page + 1 : null,
    total_pages: pageCount,
  };
});
post(String.raw`/posts/search_by_id/\d+$`, (r) => {
  const body = (r.json ?? {}) as { post_id?: number; more?: { title?: unknown }; more_array?: unknown[] };
  const id = Number(body.post_id ?? 0);
  return {
    id,
    title: body.more?.title ?? 0,
    body: `Post body ${id}`,
    more: `More is equale to id: ${String(body.more_array?.[0])}`,
  };
});
const protectedPosts =
  (check: (r: SeenRequest) => boolean, text = false) =>
  (r: SeenRequest) =>
    check(r)
      ? paginateByPageNumber(r, generatePosts())
      : ({ status: 401, body: text ? 'Unauthorized' : { error: 'Unauthorized' }, text } satisfies Reply);
get(
  '/protected/posts/basic-auth',
  protectedPosts((r) => header(r, 'authorization') === `Basic ${Buffer.from('user:password').toString('base64')}`),
);
get(
  '/protected/posts/bearer-token',
  protectedPosts((r) => header(r, 'authorization') === 'Bearer test-token'),
);
get(
  '/protected/posts/bearer-token-plain-text-error',
  protectedPosts((r) => header(r, 'authorization') === 'Bearer test-token', true),
);
get(
  '/protected/posts/api-key',
  protectedPosts((r) => header(r, 'x-api-key') === 'test-api-key'),
);
const oauthAuthorize = (r: SeenRequest) => {
  const q = formFields(r);
  const grant = q.grant_type?.[0] ?? '';
  if (grant.includes('jwt-bearer')) return true;
  return (
    grant.includes('client_credentials') &&
    q.client_secret?.[0] === 'test-client-secret' &&
    q.client_id?.[0] === 'test-client-id'
  );
};
post('/oauth/token', (r) =>
  oauthAuthorize(r)
    ? { access_token: 'test-token', expires_in: 3600 }
    : ({ status: 401, body: { error: 'Unauthorized' } } satisfies Reply),
);
post('/oauth/token-expires-now', (r) =>
  oauthAuthorize(r)
    ? { access_token: 'test-token', expires_in: 0 }
    : ({ status: 401, body: { error: 'Unauthorized' } } satisfies Reply),
);
get(String.raw`/posts_cursor_null_terminated(\?cursor=.*)?$`, (r) => {
  const cursor = r.url.searchParams.get('cursor');
  if (cursor === null)
    return { users: range(10).map((i) => ({ id: i, name: `User ${i}` })), next_token: 'cursor_page_2' };
  if (cursor === 'cursor_page_2')
    return { users: range(4).map((i) => ({ id: i + 10, name: `User ${i + 10}` })), next_token: 'cursor_final' };
  return { users: null, next_token: null };
});
post(String.raw`/post_form_data$`, (r) => {
  const type = header(r, 'content-type');
  if (type === 'application/x-www-form-urlencoded') return { data: formFields(r) };
  return { error: `Unsupported content type: ${type}`, data: r.body };
});
post(String.raw`/post_raw_data$`, (r) => ({ data: r.body }));
post(String.raw`/posts_form_data_incremental$`, (r) => paginateByPageNumber(r, generatePosts()));
get(String.raw`/posts_with_reactions(\?.*)?$`, (r) => paginateByPageNumber(r, postsWithReactions()));

function isReply(value: unknown): value is Reply {
  return value !== null && typeof value === 'object' && 'body' in value && ('status' in value || 'headers' in value);
}

function answer(req: SeenRequest, res: ServerResponse): void {
  const route = routes.findLast((r) => r.method === req.method && r.pattern.test(req.rawUrl));
  if (!route) return sendJson(res, 404, { error: `no mock route for ${req.method} ${req.rawUrl}` });
  const out = route.handle(req);
  const reply: Reply = isReply(out) ? out : { body: out };
  const status = reply.status ?? 200;
  if (status === 204 || reply.body === null) {
    res.writeHead(status, reply.headers ?? {});
    return void res.end();
  }
  if (reply.text) {
    res.writeHead(status, { 'content-type': 'text/plain', ...reply.headers });
    return void res.end(String(reply.body));
  }
  sendJson(res, status, reply.body, reply.headers);
}

/** dlt's mock API on a local port; every request is recorded (method, URL, headers, body). */
export function startDltMockApi(): Promise<RecordingServer> {
  return startRecorder(answer);
}
