// dlt's own rest_api test cases, translated to data (test/conformance/dlt/*.json, written by translate.py from
// dlt-hub/dlt at the commit each file names), asserted against streamtap. One test per dlt test file; each
// prints passed / failed / not applicable. A case that fails must be listed in known-failures.json with its
// reason ("deviation: ..." for deliberate ones); a listed case that passes fails the test too, so the list
// stays true. Figures for docs/rest-features.md: `node scripts/test.mjs test/conformance`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, SecretMissingError } from '../../src/config/errors.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { IgnoreResponse } from '../../src/config/schema.js';
import { isSingleEntityPath } from '../../src/config/single-entity.js';
import { createAuth } from '../../src/rest/auth.js';
import { detectPaginator, detectRecordsPath } from '../../src/rest/detector.js';
import { compilePath, compileSelector, formatSegments, setPath } from '../../src/expressions/json-path.js';
import { SecretRedactor } from '../../src/rest/errors.js';
import { createPaginator, PaginationError, type PageRequest } from '../../src/rest/paginators/index.js';
import { ExtractionSession, extractPages } from '../../src/rest/extract.js';
import { clientOf, pagesOf, sourceOf, type SeenRequest } from '../unit/rest-support.js';
import { startDltMockApi } from './dlt-mock-api.js';

const DIR = join(import.meta.dirname, 'dlt');

interface Case {
  readonly id: string;
  readonly test: string;
  readonly kind: string;
  readonly config?: unknown;
  readonly response?: unknown;
  readonly links?: Record<string, { url: string }> | null;
  readonly path?: string;
  readonly expect?: Record<string, unknown>;
  readonly not_applicable?: string;
  readonly paginator?: Record<string, unknown>;
  readonly request?: { url?: string; method?: 'GET' | 'POST'; json?: Record<string, unknown> };
  readonly steps?: readonly Step[];
  readonly method?: 'GET' | 'POST';
  readonly json?: Record<string, unknown>;
  /** source_run: the resources run (dlt's with_resources), dlt's add_limit, secret values by env name */
  readonly document?: unknown;
  readonly resources?: readonly string[];
  readonly limit?: number;
  readonly env?: Record<string, string>;
}
interface RequestExpect {
  /** which recorded requests: their path (and query) matches this regex */
  readonly path: string;
  readonly count?: number;
  /** checks on every matched request; `index` (the request's position) may be used as `{i}` in values */
  readonly all?: RequestCheck;
  /** checks on the matched requests in order */
  readonly each?: readonly RequestCheck[];
}
interface RequestCheck {
  /** the query exactly, as parse_qs gives it (blank values kept) */
  readonly query?: Record<string, string[]>;
  readonly query_keys?: readonly string[];
  readonly query_has?: Record<string, string[]>;
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
  /** the raw body; null: none */
  readonly body?: string | null;
  /** the Content-Type header; null: none */
  readonly content_type?: string | null;
}
interface RunExpect {
  readonly error?: string;
  readonly counts?: Record<string, number>;
  readonly records?: Record<string, unknown[]>;
  readonly first?: Record<string, unknown[]>;
  readonly every?: Record<string, { $js: string }>;
  readonly requests?: readonly RequestExpect[];
}
interface StepExpect {
  has_next_page?: boolean;
  error?: boolean | string;
  /** query parameters of the request as it stands (after init or next) */
  params?: Record<string, string>;
  no_params?: string[];
  json?: Record<string, unknown>;
  url?: string;
  /** what the next request would carry: a scratch copy of the request after next() */
  next_params?: Record<string, string>;
  next_url?: string;
}
interface Step {
  readonly init?: boolean;
  readonly next?: boolean;
  readonly update?: { json?: unknown; headers?: Record<string, string>; links?: Record<string, { url: string }> };
  readonly data?: unknown[] | null;
  readonly expect: StepExpect;
}
interface CaseFile {
  readonly source: { readonly repo: string; readonly commit: string; readonly file: string };
  readonly cases: readonly Case[];
}

/** JS stand-ins for Python callables in dlt's configs (a TS config holds a function where dlt holds a lambda). */
type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const STAND_INS: Record<string, unknown> = {
  table_name_from_type: (record: Row) => record.type,
  // test_processing_steps.py
  id_is_1: (x: Row) => x.id === 1,
  id_is_10: (x: Row) => x.id === 10,
  id_in_1_2: (x: Row) => x.id === 1 || x.id === 2,
  id_is_not_1: (x: Row) => x.id !== 1,
  reaction_id_is_not_0: (x: Row) => x.reaction.id !== 0,
  body_starts_with_post_2: (x: Row) => String(x.body).startsWith('Post 2'),
  exclude_title: ({ title: _t, ...rest }: Row) => rest,
  anonymize_title: (x: Row) => ({ ...x, title: 'dummy' }),
  lower_title: (x: Row) => ({ ...x, title: String(x.title).toLowerCase() }),
  id_by_10: (x: Row) => ({ ...x, id: x.id * 10 }),
  extend_body: (x: Row) => ({ ...x, body: `${x._posts_title} - ${x.body}` }),
  flatten_reactions: ({ reactions, ...post }: Row) => (reactions as Row[]).map((reaction) => ({ reaction, ...post })),
  flatten_comment_reactions: ({ _posts_reactions: reactions, ...comment }: Row) =>
    (reactions as Row[]).map((reaction) => ({ _posts_reaction: reaction, ...comment })),
  // predicates the cases assert over every record
  no_title: (x: Row) => !('title' in x),
  title_is_dummy: (x: Row) => x.title === 'dummy',
  title_starts_post_lower: (x: Row) => String(x.title).startsWith('post '),
  reaction_not_reactions: (x: Row) =>
    'reaction' in x && !('reactions' in x) && x.reaction.title === `Reaction ${x.reaction.id} for post ${x.id}`,
  id_not_1: (x: Row) => x.id !== 1,
  reaction_id_not_0: (x: Row) => x.reaction.id !== 0,
  custom_field_foobar: (x: Row) => x.custom_field === 'foobar',
  parent_fields_match: (x: Row) => x._posts_id === x.post_id && x._posts_title === `Post ${x.post_id}`,
  id_at_least_45: (x: Row) => x.id >= 45,
  // test_response_actions.py: hooks (a TS config's response action functions)
  hook_passthrough: (r: unknown) => r,
  hook_ignore: () => {
    throw new IgnoreResponse();
  },
  hook_add_custom_field: (r: { body: { data: Row[] } }) => ({
    ...r,
    body: { ...r.body, data: r.body.data.map((d) => ({ ...d, custom_field: 'foobar' })) },
  }),
  // test_offline.py: incremental convert lambdas
  epoch_to_date: (epoch: unknown) => new Date(Number(epoch) * 1000).toISOString().slice(0, 10),
  epoch_to_int: (epoch: unknown) => Math.trunc(Number(epoch)),
};

function materialize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(materialize);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$js === 'string') {
      const fn = STAND_INS[record.$js];
      if (!fn) throw new Error(`no stand-in named ${record.$js}`);
      return fn;
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, materialize(v)]));
  }
  // dlt's test_paginator_overrides marks distinct paginator instances with these strings
  if (typeof value === 'string' && /^__\w+_paginator__$/.test(value))
    return { type: 'json_link', next_url_path: value };
  return value;
}

const parse = (config: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseSourceConfig(materialize(config), { name: 'conformance', origin: 'dlt-case', env });

function subset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([k, v]) => subset((actual as Record<string, unknown>)[k], v));
}

const linkHeader = (links: Record<string, { url: string }>) =>
  Object.entries(links)
    .map(([rel, l]) => `<${l.url}>; rel="${rel}"`)
    .join(', ');

/** The paginator streamtap builds from a dlt paginator dict, as a client paginator of a one-resource config. */
function paginatorOf(config: Record<string, unknown>, method: 'GET' | 'POST') {
  const source = parse({
    client: { base_url: 'http://example.com', paginator: config },
    resources: [{ name: 'posts', endpoint: { path: 'posts', method } }],
  });
  return createPaginator(source.resources[0]?.endpoint.paginator);
}

const copyRequest = (r: PageRequest): PageRequest => ({
  ...r,
  url: new URL(r.url),
  json: r.json === undefined ? undefined : structuredClone(r.json),
});

function checkRequest(request: PageRequest, e: StepExpect, label: string): void {
  for (const [k, v] of Object.entries(e.params ?? {}))
    assert.equal(request.url.searchParams.get(k), v, `${label}: query ${k} (${request.url.search})`);
  for (const k of e.no_params ?? []) assert.equal(request.url.searchParams.has(k), false, `${label}: no query ${k}`);
  if (e.json) assert.deepEqual(request.json, e.json, `${label}: JSON body`);
  if (e.url) assert.equal(request.url.href, new URL(e.url).href, `${label}: URL`);
}

/** Plays dlt's paginator unit test as steps against streamtap's paginator of the same config. */
function checkPaginator(c: Case): void {
  const paginator = paginatorOf(c.paginator as Record<string, unknown>, c.request?.method ?? 'GET');
  const request: PageRequest = {
    url: new URL(c.request?.url ?? 'http://example.com/api/resource'),
    method: c.request?.method ?? 'GET',
    json: c.request?.json === undefined ? undefined : structuredClone(c.request.json),
  };
  (c.steps ?? []).forEach((step, i) => {
    const label = `step ${i + 1}`;
    const e = step.expect;
    if (step.init) paginator.init(request);
    if (step.next) paginator.next(request);
    if (step.update) {
      const headers: Record<string, string> = { ...step.update.headers };
      if (step.update.links && Object.keys(step.update.links).length) headers.link = linkHeader(step.update.links);
      const run = () =>
        paginator.update({ status: 200, headers, body: step.update?.json ?? null }, (step.data ?? []) as unknown[]);
      if (e.error) {
        assert.throws(run, (err: unknown) => {
          assert.ok(err instanceof PaginationError, `${label}: not a PaginationError: ${String(err)}`);
          return true;
        });
        return;
      }
      run();
    }
    if (e.has_next_page !== undefined) assert.equal(paginator.hasNextPage, e.has_next_page, `${label}: has_next_page`);
    checkRequest(request, e, label);
    if (e.next_params || e.next_url) {
      const scratch = copyRequest(request);
      paginator.next(scratch);
      checkRequest(
        scratch,
        { params: e.next_params ?? {}, ...(e.next_url ? { url: e.next_url } : {}) },
        `${label} (next)`,
      );
    }
  });
}

/** dlt's `assert_pagination`: page i holds posts i*size .. i*size+size-1. */
async function checkClientPaginate(c: Case): Promise<void> {
  const server = await startDltMockApi();
  const endpoint: Record<string, unknown> = { path: c.path, paginator: c.paginator };
  if (c.method) endpoint.method = c.method;
  if (c.json) endpoint.json = c.json;
  const source = sourceOf({ resources: [{ name: 'posts', endpoint }] }, server.url);
  const pages = await pagesOf(clientOf(source), 'posts');
  const { total_pages: total, page_size: size } = c.expect as { total_pages: number; page_size: number };
  assert.equal(pages.length, total, `pages: ${pages.map((p) => p.url).join(' ')}`);
  pages.forEach((p, i) =>
    assert.deepEqual(
      p.records,
      Array.from({ length: size }, (_, j) => ({ id: i * size + j, title: `Post ${i * size + j}` })),
      `page ${i + 1}`,
    ),
  );
}

function checkRequests(all: readonly SeenRequest[], spec: RequestExpect): void {
  const re = new RegExp(spec.path);
  const matched = all.filter((r) => re.test(r.rawUrl));
  const label = `requests ${spec.path}`;
  if (spec.count !== undefined)
    assert.equal(matched.length, spec.count, `${label}: ${all.map((r) => `${r.method} ${r.rawUrl}`).join(' ')}`);
  const one = (r: SeenRequest, e: RequestCheck, at: string) => {
    const qs: Record<string, string[]> = {};
    for (const [k, v] of r.url.searchParams) (qs[k] ??= []).push(v);
    if (e.query) assert.deepEqual(qs, e.query, `${at}: query`);
    if (e.query_keys) assert.deepEqual(Object.keys(qs).sort(), [...e.query_keys].sort(), `${at}: query keys`);
    for (const [k, v] of Object.entries(e.query_has ?? {})) assert.deepEqual(qs[k], v, `${at}: query ${k}`);
    for (const [k, v] of Object.entries(e.headers ?? {}))
      assert.equal(r.headers[k.toLowerCase()], v, `${at}: header ${k}`);
    if (e.json !== undefined) assert.deepEqual(r.json, e.json, `${at}: JSON body`);
    if (e.body !== undefined) assert.equal(r.body === '' ? null : r.body, e.body, `${at}: body`);
    if (e.content_type !== undefined)
      assert.equal(r.headers['content-type'] ?? null, e.content_type, `${at}: content-type`);
  };
  const fill = (e: RequestCheck, i: number) =>
    JSON.parse(JSON.stringify(e).replaceAll('{i}', String(i))) as RequestCheck;
  matched.forEach((r, i) => spec.all && one(r, fill(spec.all, i), `${label} #${i}`));
  spec.each?.forEach((e, i) => {
    const r = matched[i];
    assert.ok(r, `${label}: no request #${i}`);
    one(r, e, `${label} #${i}`);
  });
}

/** Runs a dlt source config against dlt's mock API (ported) and checks what dlt's test asserts. */
async function checkSourceRun(c: Case): Promise<void> {
  const expect = (c.expect ?? {}) as RunExpect;
  const server = await startDltMockApi();
  const config = JSON.parse(JSON.stringify(c.config).replaceAll('https://api.example.com', server.url)) as Record<
    string,
    unknown
  >;
  let source;
  try {
    source = parseSourceConfig(materialize(config), { name: 'conformance', origin: 'dlt-case', env: c.env ?? {} });
  } catch (error) {
    if (expect.error) return assert.match((error as Error).message, new RegExp(expect.error, 'i'));
    throw error;
  }
  const client = clientOf(source, { env: c.env ?? {}, retry: { retries: 0 } });
  const names = c.resources ?? source.resources.filter((r) => r.selected !== false).map((r) => r.name);
  const run = names.map((n) => {
    const r = source.resources.find((x) => x.name === n);
    assert.ok(r, `no resource ${n}`);
    return r;
  });
  const session = new ExtractionSession(source, client, run, { pageLimit: c.limit });
  const errors: unknown[] = [];
  const got: Record<string, unknown[]> = {};
  await Promise.all(
    run.map(async (r) => {
      const records: unknown[] = [];
      let ok = false;
      try {
        for await (const page of extractPages(r, client, { session })) records.push(...page.records);
        ok = true;
      } catch (error) {
        errors.push(error);
      } finally {
        await session.complete(r.name, ok);
      }
      got[r.name] = records;
    }),
  );
  if (expect.error) {
    assert.ok(errors.length > 0, `dlt fails: ${expect.error}`);
    assert.ok(
      errors.some((e) => new RegExp(expect.error as string, 'i').test(String((e as Error).message))),
      `errors: ${errors.map((e) => (e as Error).message).join(' | ')}`,
    );
  } else if (errors.length) throw errors[0];
  for (const [n, count] of Object.entries(expect.counts ?? {})) assert.equal(got[n]?.length, count, `${n}: count`);
  for (const [n, records] of Object.entries(expect.records ?? {})) assert.deepEqual(got[n], records, `${n}: records`);
  for (const [n, records] of Object.entries(expect.first ?? {}))
    assert.deepEqual(got[n]?.slice(0, records.length), records, `${n}: first records`);
  for (const [n, pred] of Object.entries(expect.every ?? {})) {
    const fn = materialize(pred) as (r: unknown) => boolean;
    assert.ok((got[n]?.length ?? 0) > 0, `${n}: no records`);
    got[n]?.forEach((r, i) => assert.ok(fn(r), `${n}[${i}] fails ${pred.$js}: ${JSON.stringify(r)}`));
  }
  for (const spec of expect.requests ?? []) checkRequests(server.requests, spec);
}

/** Throws (with a message saying how) when streamtap does not give dlt's outcome. */
async function check(c: Case): Promise<void> {
  const expect = c.expect ?? {};
  switch (c.kind) {
    case 'config_valid': {
      const source = parse(c.config);
      for (const [child, parent] of Object.entries((expect.parents ?? {}) as Record<string, string>)) {
        const r = source.resources.find((x) => x.name === child);
        assert.equal(r?.parent?.resource, parent, `parent of ${child}`);
      }
      return;
    }
    case 'config_invalid': {
      // dlt refuses these when the source is built; streamtap refuses them before the first request: at load
      // (ConfigError) or, for a credential neither given nor set, when auth resolves its secrets at start-up.
      let source;
      try {
        source = parse(c.config);
      } catch (error) {
        assert.ok(error instanceof ConfigError, `not a config error: ${String(error)}`);
        return;
      }
      const options = {
        secrets: { env: {} },
        redactor: new SecretRedactor(),
        fetchToken: () => Promise.reject(new Error('no token request in a config case')),
      };
      assert.throws(
        () => [source.auth, ...source.resources.map((r) => r.endpoint.auth)].forEach((a) => createAuth(a, options)),
        SecretMissingError,
        `dlt refuses it: ${String(expect.dlt_message)}`,
      );
      return;
    }
    case 'config_not_mutated': {
      const config = materialize(c.config);
      const before = JSON.stringify(config);
      parseSourceConfig(config, { name: 'conformance', origin: 'dlt-case', env: {} });
      assert.equal(JSON.stringify(config), before);
      return;
    }
    case 'effective_paginator': {
      const source = parse(c.config);
      const index = expect.resource as number;
      const resource = source.resources.at(index);
      const wanted = materialize(expect.paginator);
      const actual = resource?.endpoint.paginator;
      if (wanted === null) assert.equal(actual, undefined, `no paginator (auto), got ${JSON.stringify(actual)}`);
      else
        assert.ok(
          subset(actual, typeof wanted === 'string' ? { type: wanted } : wanted),
          `paginator ${JSON.stringify(actual)}, dlt: ${JSON.stringify(wanted)}`,
        );
      return;
    }
    case 'auth_resolved': {
      const env = Object.fromEntries(
        Object.entries((expect.env ?? {}) as Record<string, string>).map(([k, v]) => [
          `CREDENTIALS__${k.toUpperCase()}`,
          v,
        ]),
      );
      const secretEnv = { ...env, STREAMTAP_SECRET_CONFORMANCE_TOKEN: 'token' };
      const source = parse(c.config, secretEnv);
      assert.ok(subset(source.auth, expect.auth), `auth ${JSON.stringify(source.auth)}`);
      const auth = createAuth(source.auth, {
        secrets: { env: secretEnv },
        redactor: new SecretRedactor(),
        fetchToken: () => Promise.reject(new Error('no token request in a config case')),
      });
      assert.equal(auth.type === 'none' ? 'none' : source.auth?.type, (expect.auth as { type: string }).type);
      return;
    }
    case 'detect_records':
      assert.equal(
        formatSegments(detectRecordsPath(c.response)),
        expect.records_path === '' ? '$' : expect.records_path,
      );
      return;
    case 'detect_next_path': {
      const found = detectPaginator({ status: 200, headers: {}, body: c.response });
      const path =
        found.type === 'json_link' ? found.next_url_path : found.type === 'cursor' ? found.cursor_path : null;
      assert.equal(path, expect.next_path, `detected ${JSON.stringify(found)}`);
      return;
    }
    case 'detect_paginator': {
      const headers: Record<string, string> = {};
      if (c.links)
        headers.link = Object.entries(c.links)
          .map(([rel, l]) => `<${l.url}>; rel="${rel}"`)
          .join(', ');
      const found = detectPaginator({ status: 200, headers, body: c.response });
      assert.ok(
        subset(found, expect.paginator),
        `detected ${JSON.stringify(found)}, dlt: ${JSON.stringify(expect.paginator)}`,
      );
      return;
    }
    case 'paginator':
      return checkPaginator(c);
    case 'client_paginate':
      return checkClientPaginate(c);
    case 'source_run':
      return checkSourceRun(c);
    case 'jsonpath_select': {
      const selector = compileSelector(c.path as string);
      assert.deepEqual(selector.select(c.document), expect.selects, `${c.path} selects`);
      if (expect.single_field !== undefined) assert.deepEqual(selector.segments, [expect.single_field]);
      return;
    }
    case 'jsonpath_set':
      for (const [target, path, value, after] of (
        c as unknown as { steps: [Record<string, unknown>, string, unknown, unknown][] }
      ).steps) {
        setPath(target, compilePath(path), value);
        assert.deepEqual(target, after, path);
      }
      return;
    case 'single_entity_path':
      assert.equal(isSingleEntityPath(c.path as string), expect.single_entity);
      return;
    default:
      throw new Error(`unknown case kind ${c.kind}`);
  }
}

const known = JSON.parse(readFileSync(join(DIR, 'known-failures.json'), 'utf8')) as Record<string, string>;
const totals = { passed: 0, failed: 0, deviations: 0, notApplicable: 0 };

for (const file of readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'known-failures.json')
  .sort()) {
  const data = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as CaseFile;
  test(`dlt ${data.source.file}`, async () => {
    const counts = { passed: 0, failed: 0, deviations: 0, notApplicable: 0 };
    const surprises: string[] = [];
    for (const c of data.cases) {
      if (c.not_applicable) {
        counts.notApplicable++;
        continue;
      }
      const key = `${file}#${c.id}`;
      let error: unknown;
      try {
        await check(c);
      } catch (e) {
        error = e;
      }
      if (error === undefined) {
        counts.passed++;
        if (known[key]) surprises.push(`${key} passes now: remove it from known-failures.json`);
      } else {
        counts.failed++;
        if (known[key]?.startsWith('deviation:')) counts.deviations++;
        if (!known[key]) surprises.push(`${key} fails: ${(error as Error).message.replace(/\s*\n\s*/g, ' | ')}`);
      }
    }
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) totals[k] += counts[k];
    console.log(
      `${data.source.file}: ${counts.passed} passed, ${counts.failed} failed (${counts.deviations} deliberate deviations), ${counts.notApplicable} not applicable`,
    );
    assert.deepEqual(surprises, []);
  });
}

test('dlt conformance total', () => {
  const applicable = totals.passed + totals.failed;
  console.log(
    `dlt conformance: ${totals.passed}/${applicable} applicable cases pass (${((100 * totals.passed) / applicable).toFixed(1)} %), ` +
      `${totals.deviations} deliberate deviations, ${totals.notApplicable} not applicable`,
  );
});
