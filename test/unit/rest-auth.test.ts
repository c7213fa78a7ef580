// Every auth type against a local server; oauth2 against a local token endpoint with an injected clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretMissingError } from '../../src/config/errors.js';
import { RestError } from '../../src/rest/errors.js';
import { clientOf, pagesOf, recordsOf, sendJson, sourceOf, startRecorder, type SeenRequest } from './rest-support.js';

const SECRET = 'sk_live_7a1b2c3d4e5f';

function withAuth(auth: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    client: { auth, ...extra },
    resources: [{ name: 'items', primary_key: 'id', endpoint: { path: '/items', data_selector: 'items' } }],
  };
}

async function oneRequest(auth: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<SeenRequest> {
  const server = await startRecorder((_req, res) => sendJson(res, 200, { items: [{ id: 1 }] }));
  await recordsOf(clientOf(sourceOf(withAuth(auth), server.url), { env }), 'items');
  return server.requests[0] as SeenRequest;
}

test('bearer: Authorization: Bearer <token>, also in dlt shorthand without a type', async () => {
  for (const auth of [{ type: 'bearer', token: { $secret: 'api_token' } }, { token: { $secret: 'api_token' } }]) {
    const req = await oneRequest(auth, { API_TOKEN: SECRET });
    assert.equal(req.headers.authorization, `Bearer ${SECRET}`);
  }
});

test('api_key in a header (default name Authorization, or named), in the query, in a cookie', async () => {
  assert.equal(
    (await oneRequest({ type: 'api_key', api_key: { $secret: 'k' } }, { K: SECRET })).headers.authorization,
    SECRET,
  );
  assert.equal(
    (await oneRequest({ type: 'api_key', name: 'X-API-Key', api_key: { $secret: 'k' } }, { K: SECRET })).headers[
      'x-api-key'
    ],
    SECRET,
  );
  const query = await oneRequest(
    { type: 'api_key', name: 'apikey', api_key: { $secret: 'k' }, location: 'query' },
    { K: SECRET },
  );
  assert.equal(query.url.searchParams.get('apikey'), SECRET);
  assert.equal(query.headers.authorization, undefined);
  // The page URL (logged, and put in dead-letter headers) is the request before auth: no key in it.
  const server = await startRecorder((_req, res) => sendJson(res, 200, { items: [{ id: 1 }] }));
  const pages = await pagesOf(
    clientOf(
      sourceOf(withAuth({ type: 'api_key', name: 'apikey', api_key: { $secret: 'k' }, location: 'query' }), server.url),
      { env: { K: SECRET } },
    ),
    'items',
  );
  assert.doesNotMatch(pages[0]?.url ?? '', new RegExp(SECRET));
  const param = await oneRequest(
    { type: 'api_key', name: 'key', api_key: { $secret: 'k' }, location: 'param' },
    { K: SECRET },
  );
  assert.equal(param.url.searchParams.get('key'), SECRET, 'dlt\'s "param" is the query');
  const cookie = await oneRequest(
    { type: 'api_key', name: 'session', api_key: { $secret: 'k' }, location: 'cookie' },
    { K: SECRET },
  );
  assert.equal(cookie.headers.cookie, `session=${SECRET}`);
});

test('http_basic: username literal or secret, password secret', async () => {
  const req = await oneRequest({ type: 'http_basic', username: 'svc', password: { $secret: 'pw' } }, { PW: SECRET });
  assert.equal(req.headers.authorization, `Basic ${Buffer.from(`svc:${SECRET}`).toString('base64')}`);
  const ref = await oneRequest(
    { type: 'http_basic', username: { $secret: 'user' }, password: { $secret: 'pw' } },
    { PW: SECRET, USER: 'u1' },
  );
  assert.equal(ref.headers.authorization, `Basic ${Buffer.from(`u1:${SECRET}`).toString('base64')}`);
});

test('a missing secret fails when the client is built, before any request, naming what to set', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, { items: [] }));
  assert.throws(
    () =>
      clientOf(
        sourceOf(
          withAuth({
            type: 'oauth2_client_credentials',
            access_token_url: `${server.url}/token`,
            client_id: 'id',
            client_secret: { $secret: 'client_secret' },
          }),
          server.url,
        ),
      ),
    (e: unknown) => e instanceof SecretMissingError && /CLIENT_SECRET/.test(e.message),
  );
  assert.equal(server.requests.length, 0);
});

test('a key sent in the query never shows in errors: masked by name and by value', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 500, { error: `bad key ${SECRET}` }));
  const client = clientOf(
    sourceOf(withAuth({ type: 'api_key', name: 'k', api_key: { $secret: 'k' }, location: 'query' }), server.url),
    { env: { K: SECRET }, retry: { retries: 1 } },
  );
  await assert.rejects(recordsOf(client, 'items'), (e: unknown) => {
    assert.ok(e instanceof RestError);
    const text = `${e.message} ${JSON.stringify(e.context)} ${e.stack} ${String((e.cause as Error | undefined)?.message)}`;
    assert.doesNotMatch(text, new RegExp(SECRET));
    assert.match(e.message, /bad key \*\*\*/);
    return true;
  });
});

/** A token endpoint issuing tok-1, tok-2, ... and an API that accepts only the newest token. */
async function oauthWorld(options: { expiresIn?: number; rejectFirstCall?: boolean } = {}) {
  let issued = 0;
  let current = '';
  let apiCalls = 0;
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/oauth/token') {
      const form = new URLSearchParams(req.body);
      if (form.get('client_secret') !== SECRET)
        return sendJson(res, 401, { error: 'invalid_client', error_description: 'bad secret' });
      current = `tok-${++issued}`;
      return sendJson(res, 200, {
        access_token: current,
        token_type: 'bearer',
        ...(options.expiresIn ? { expires_in: options.expiresIn } : {}),
      });
    }
    apiCalls++;
    if (req.headers.authorization !== `Bearer ${current}` || (options.rejectFirstCall && apiCalls === 1))
      return sendJson(res, 401, { error: 'expired' });
    return sendJson(res, 200, { items: [{ id: apiCalls }] });
  });
  let now = 1_000_000;
  const auth = {
    type: 'oauth2_client_credentials',
    access_token_url: `${server.url}/oauth/token`,
    client_id: 'streamtap',
    client_secret: { $secret: 'client_secret' },
    access_token_request_data: { scope: 'read', audience: 'api' },
  };
  const client = clientOf(sourceOf(withAuth(auth), server.url), { env: { CLIENT_SECRET: SECRET }, now: () => now });
  return { server, client, advance: (ms: number) => (now += ms), issued: () => issued };
}

test('oauth2_client_credentials: a form POST with grant_type, client id/secret and extra data; the token is cached', async () => {
  const { server, client, issued } = await oauthWorld({ expiresIn: 3600 });
  await recordsOf(client, 'items');
  await recordsOf(client, 'items');
  const token = server.requests.filter((r) => r.url.pathname === '/oauth/token');
  assert.equal(token.length, 1, 'one token for both runs');
  assert.equal(issued(), 1);
  assert.equal(token[0]?.method, 'POST');
  assert.equal(token[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(token[0]?.body)), {
    grant_type: 'client_credentials',
    client_id: 'streamtap',
    client_secret: SECRET,
    scope: 'read',
    audience: 'api',
  });
  assert.deepEqual(
    server.requests.filter((r) => r.url.pathname === '/items').map((r) => r.headers.authorization),
    ['Bearer tok-1', 'Bearer tok-1'],
  );
});

test('oauth2: renews before expires_in runs out (60 s margin), not after', async () => {
  const { server, client, advance } = await oauthWorld({ expiresIn: 3600 });
  await recordsOf(client, 'items');
  advance(3600_000 - 61_000);
  await recordsOf(client, 'items');
  advance(2_000); // now 59 s before expiry: inside the margin
  await recordsOf(client, 'items');
  assert.deepEqual(
    server.requests.filter((r) => r.url.pathname === '/items').map((r) => r.headers.authorization),
    ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2'],
  );
});

test('oauth2: default_token_expiration (3600 s) applies when the response has no expires_in', async () => {
  const { client, advance, issued } = await oauthWorld();
  await recordsOf(client, 'items');
  advance(3000_000);
  await recordsOf(client, 'items');
  assert.equal(issued(), 1);
  advance(600_000);
  await recordsOf(client, 'items');
  assert.equal(issued(), 2);
});

test('oauth2: a 401 renews the token once and retries at once; concurrent requests share one token request', async () => {
  const { server, client, issued } = await oauthWorld({ expiresIn: 3600, rejectFirstCall: true });
  await recordsOf(client, 'items');
  assert.equal(issued(), 2);
  assert.deepEqual(
    server.requests.map((r) => `${r.url.pathname} ${r.headers.authorization ?? ''}`.trim()),
    ['/oauth/token', '/items Bearer tok-1', '/oauth/token', '/items Bearer tok-2'],
  );

  const world = await oauthWorld({ expiresIn: 3600 });
  await Promise.all([
    recordsOf(world.client, 'items'),
    recordsOf(world.client, 'items'),
    recordsOf(world.client, 'items'),
  ]);
  assert.equal(world.issued(), 1, 'three resources, one token request');
});

test("oauth2: a refused token request is AUTH_TOKEN_FAILED with the server's error, and no secret in it", async () => {
  const { server } = await oauthWorld();
  const client = clientOf(
    sourceOf(
      withAuth({
        type: 'oauth2_client_credentials',
        access_token_url: `${server.url}/oauth/token`,
        client_id: 'x',
        client_secret: { $secret: 'cs' },
      }),
      server.url,
    ),
    { env: { CS: 'wrong-secret-value' } },
  );
  await assert.rejects(recordsOf(client, 'items'), (e: unknown) => {
    assert.ok(e instanceof RestError);
    assert.equal(e.code, 'AUTH_TOKEN_FAILED');
    assert.match(e.message, /HTTP 401.*invalid_client: bad secret/);
    assert.doesNotMatch(`${e.message}${JSON.stringify(e.context)}`, /wrong-secret-value/);
    return true;
  });
});

test('an endpoint-level auth overrides the client auth for that resource only', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, []));
  const source = sourceOf(
    {
      client: { auth: { type: 'bearer', token: { $secret: 'a' } } },
      resources: [
        { name: 'one', primary_key: 'id', endpoint: { path: '/one' } },
        {
          name: 'two',
          primary_key: 'id',
          endpoint: { path: '/two', auth: { type: 'api_key', name: 'X-Key', api_key: { $secret: 'b' } } },
        },
      ],
    },
    server.url,
  );
  const client = clientOf(source, { env: { A: 'token-a', B: 'key-b' } });
  await recordsOf(client, 'one');
  await recordsOf(client, 'two');
  assert.deepEqual(
    server.requests.map((r) => [r.url.pathname, r.headers.authorization, r.headers['x-key']]),
    [
      ['/one', 'Bearer token-a', undefined],
      ['/two', undefined, 'key-b'],
    ],
  );
});
