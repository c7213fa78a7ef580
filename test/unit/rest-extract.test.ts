import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { parseSourceConfig } from '../../src/config/load.js';
import { RestClient } from '../../src/rest/client.js';
import { RestError } from '../../src/rest/errors.js';
import { extractPages } from '../../src/rest/extract.js';
import { sendJson, startServer, type Handler } from '../support/http-server.js';

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

function cursorSource(baseUrl: string, extra: Record<string, unknown> = {}) {
  return parseSourceConfig(
    {
      client: { base_url: baseUrl, auth: { type: 'bearer', token: { $secret: 'api_key' } } },
      resource_defaults: { primary_key: 'id' },
      resources: [
        {
          name: 'events',
          endpoint: {
            path: '/v1/events',
            data_selector: 'entries',
            paginator: {
              type: 'cursor',
              cursor_param: 'after',
              cursor_path: 'metadata.after',
              stop_condition: 'metadata.after is none',
            },
            ...extra,
          },
        },
      ],
    },
    { name: 'test', origin: 'test', env: {} },
  );
}

async function collect(
  handler: Handler,
  options: { sleeps?: number[]; extra?: Record<string, unknown>; token?: string; now?: () => number } = {},
) {
  const server = await startServer(handler);
  servers.push(server);
  const source = cursorSource(server.url, options.extra);
  const sleeps = options.sleeps ?? [];
  const client = new RestClient(source, {
    secrets: { env: { API_KEY: options.token ?? 'secret-token-123' } },
    retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    http: { timeoutMs: 2_000 },
    ...(options.now ? { now: options.now } : {}),
  });
  const pages = [];
  try {
    for await (const page of extractPages(source.resources[0]!, client)) pages.push(page);
    return { pages, server, sleeps };
  } finally {
    await client.close();
  }
}

const threePages: Handler = (_req, res, url) => {
  const after = url.searchParams.get('after');
  const n = after === null ? 0 : Number(after.slice(1));
  sendJson(res, 200, {
    entries: [{ id: `e${n}` }, { id: `e${n + 1}` }],
    metadata: { before: null, after: n < 4 ? `c${n + 2}` : null, limit: 2 },
  });
};

test('cursor pagination: reads metadata.after, sends it as ?after=, stops when it is none', async () => {
  const { pages, server } = await collect(threePages);
  assert.deepEqual(
    pages.flatMap((p) => p.records.map((r) => (r as { id: string }).id)),
    ['e0', 'e1', 'e2', 'e3', 'e4', 'e5'],
  );
  assert.deepEqual(
    server.requests.map((u) => u.searchParams.get('after')),
    [null, 'c2', 'c4'],
  );
  assert.ok(server.authHeaders.every((h) => h === 'Bearer secret-token-123'));
});

test('a cursor returned twice stops with an error instead of looping', async () => {
  await assert.rejects(
    collect((_req, res) => sendJson(res, 200, { entries: [{ id: 1 }], metadata: { after: 'same' } })),
    (e: unknown) => e instanceof RestError && e.code === 'CURSOR_LOOP' && /second time/.test(e.message),
  );
});

test('retries 429/500/502/503/504 exactly 3 times with backoff factor 2, then fails clearly', async () => {
  const sleeps: number[] = [];
  let server: { requests: URL[] } | undefined;
  await assert.rejects(
    collect((_req, res) => sendJson(res, 503, { error: 'unavailable' }), { sleeps }).catch((e) => {
      throw e;
    }),
    (e: unknown) => {
      assert.ok(e instanceof RestError);
      assert.equal(e.code, 'HTTP_STATUS');
      assert.equal(e.context.status, 503);
      assert.equal(e.context.attempts, 4);
      assert.match(e.message, /HTTP 503.*gave up after 4 attempts.*resource "events".*\/v1\/events/);
      return true;
    },
  );
  // factor 2: base 2 s, 4 s, 8 s with equal jitter at random() = 0.5 → 75 % of each
  assert.deepEqual(sleeps, [1500, 3000, 6000]);
  void server;
});

test('Retry-After is honoured, in seconds and as an HTTP date', async () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  for (const [header, expected] of [
    ['7', 7000],
    [new Date(now + 60_000).toUTCString(), 60_000],
  ] as const) {
    let calls = 0;
    const sleeps: number[] = [];
    const { pages } = await collect(
      (_req, res) => {
        calls++;
        if (calls === 1) sendJson(res, 429, { error: 'slow down' }, { 'retry-after': header });
        else sendJson(res, 200, { entries: [{ id: 1 }], metadata: { after: null } });
      },
      { sleeps, now: () => now },
    );
    assert.equal(pages.length, 1);
    assert.deepEqual(sleeps, [expected], `Retry-After ${header}`);
  }
});

test('a 4xx other than 429 is not retried', async () => {
  const sleeps: number[] = [];
  await assert.rejects(
    collect((_req, res) => sendJson(res, 401, { error: 'no token' }), { sleeps }),
    (e: unknown) => e instanceof RestError && e.context.status === 401,
  );
  assert.deepEqual(sleeps, []);
});

test('an HTML page served with 200 is a clear error naming resource, URL and status', async () => {
  await assert.rejects(
    collect((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Gateway error</body></html>');
    }),
    (e: unknown) =>
      e instanceof RestError &&
      e.code === 'BODY_NOT_JSON' &&
      /HTML page/.test(e.message) &&
      /resource "events"/.test(e.message) &&
      /HTTP 200/.test(e.message),
  );
});

test('a selector that finds no list is a clear error, and the token never appears in it', async () => {
  await assert.rejects(
    collect((_req, res) => sendJson(res, 200, { data: [], metadata: {} })),
    (e: unknown) => {
      assert.ok(e instanceof RestError);
      assert.equal(e.code, 'SELECTOR_NO_LIST');
      assert.match(e.message, /data_selector "entries" found nothing, not a list \(top-level: data, metadata\)/);
      assert.doesNotMatch(e.message + JSON.stringify(e.context), /secret-token-123/);
      return true;
    },
  );
});

test('a data_selector of [] takes the response body itself as the list', async () => {
  const server = await startServer((_req, res) => sendJson(res, 200, [{ id: 'UTC' }, { id: 'Europe/Paris' }]));
  servers.push(server);
  const source = parseSourceConfig(
    {
      client: { base_url: server.url },
      resources: [{ name: 'tz', primary_key: 'id', endpoint: { path: '/tz', data_selector: [] } }],
    },
    { name: 't', origin: 't', env: {} },
  );
  const client = new RestClient(source, { secrets: { env: {} } });
  const pages = [];
  for await (const p of extractPages(source.resources[0]!, client)) pages.push(p);
  await client.close();
  assert.equal(pages.length, 1);
  assert.deepEqual(pages[0]?.records, [{ id: 'UTC' }, { id: 'Europe/Paris' }]);
});

test('a request that outlives the timeout is retried, then fails as HTTP_TIMEOUT', async () => {
  const server = await startServer(() => {
    /* never answers */
  });
  servers.push(server);
  const source = cursorSource(server.url);
  const client = new RestClient(source, {
    secrets: { env: { API_KEY: 't' } },
    retry: { retries: 1, sleep: async () => {} },
    http: { timeoutMs: 200 },
  });
  await assert.rejects(
    (async () => {
      for await (const _ of extractPages(source.resources[0]!, client));
    })(),
    (e: unknown) => e instanceof RestError && e.code === 'HTTP_TIMEOUT' && e.context.attempts === 2,
  );
  await client.close();
  assert.equal(server.requests.length, 2);
});
