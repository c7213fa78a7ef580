import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { loadSourceFile, parseSourceConfig } from '../../src/config/load.js';
import { requireSecret } from '../../src/config/secrets.js';
import { SecretMissingError } from '../../src/config/errors.js';

// The seed's dict, verbatim but for dlt.secrets["api_key"] written as a secret reference.
const seed = {
  client: { base_url: 'https://api.example.com', auth: { type: 'bearer', token: { $secret: 'api_key' } } },
  resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
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
      },
    },
    {
      name: 'scheduling_links',
      endpoint: {
        path: '/v1/links',
        data_selector: 'entries',
        paginator: {
          type: 'cursor',
          cursor_param: 'after',
          cursor_path: 'metadata.after',
          stop_condition: 'metadata.after is none',
        },
      },
    },
    { name: 'timezones', endpoint: { path: '/v1/time_zones', data_selector: [] } },
  ],
};

const parse = (raw: unknown, env: NodeJS.ProcessEnv = {}) =>
  parseSourceConfig(raw, { name: 'savvycal', origin: 'test', env });

test('the seed dict loads unchanged, with defaults applied to every resource', () => {
  const source = parse(seed);
  assert.equal(source.name, 'savvycal');
  assert.equal(source.baseUrl, 'https://api.example.com');
  assert.deepEqual(source.auth, { type: 'bearer', token: { $secret: 'api_key' } });
  assert.deepEqual(
    source.resources.map((r) => [
      r.name,
      r.primaryKey,
      r.writeDisposition,
      r.endpoint.path,
      r.endpoint.paginator?.type ?? 'none',
    ]),
    [
      ['events', ['id'], 'merge', '/v1/events', 'cursor'],
      ['scheduling_links', ['id'], 'merge', '/v1/links', 'cursor'],
      ['timezones', ['id'], 'merge', '/v1/time_zones', 'none'],
    ],
  );
  assert.deepEqual(source.resources[2]?.endpoint.dataSelector, []);
  assert.ok(Object.isFrozen(source.resources[0]?.endpoint));
});

test('pipelines/savvycal.ts and pipelines/savvycal.json are the same config', async () => {
  const ts = await loadSourceFile('pipelines/savvycal.ts', { env: {} });
  const json = await loadSourceFile('pipelines/savvycal.json', { env: {} });
  assert.deepEqual(json, ts);
  assert.deepEqual({ ...ts, baseUrl: 'https://api.example.com' }, parse(seed));
});

test('STREAMTAP_BASE_URL and an explicit base URL override client.base_url', () => {
  assert.equal(parse(seed, { STREAMTAP_BASE_URL: 'http://127.0.0.1:9999/' }).baseUrl, 'http://127.0.0.1:9999');
  assert.equal(
    parseSourceConfig(seed, { name: 's', origin: 't', env: {}, baseUrl: 'http://localhost:1' }).baseUrl,
    'http://localhost:1',
  );
});

const invalid: [string, (c: typeof seed) => unknown, string, RegExp][] = [
  [
    'wrong type deep inside',
    (c) => ((c.resources[1]!.endpoint.paginator as Record<string, unknown>).cursor_path = 5),
    'resources[1].endpoint.paginator.cursor_path',
    /string/,
  ],
  [
    'unknown key',
    (c) => ((c.resources[0]!.endpoint as Record<string, unknown>).data_selectr = 'x'),
    'resources[0].endpoint.data_selectr',
    /unknown key/,
  ],
  [
    'unknown paginator type',
    (c) => ((c.resources[0]!.endpoint.paginator as Record<string, unknown>).type = 'cursr'),
    'resources[0].endpoint.paginator.type',
    /cursor/,
  ],
  [
    'literal secret',
    (c) => ((c.client.auth as Record<string, unknown>).token = 'abc'),
    'client.auth.token',
    /secret reference/,
  ],
  ['bad base_url', (c) => (c.client.base_url = 'ftp://x'), 'client.base_url', /URL/i],
  [
    'missing resources',
    (c) => ((c as Record<string, unknown>).resources = []),
    'resources',
    /at least 1|>=1|too small/i,
  ],
  [
    'bad write disposition',
    (c) => ((c.resource_defaults as Record<string, unknown>).write_disposition = 'upsert'),
    'resource_defaults.write_disposition',
    /merge/,
  ],
  ['bad resource name', (c) => (c.resources[2]!.name = 'time zones'), 'resources[2].name', /letters/],
  [
    'merge without a primary key (dlt: merge needs a key; without one a resource appends)',
    (c) => delete (c.resource_defaults as Record<string, unknown>).primary_key,
    'resources[0].write_disposition',
    /merge needs a primary_key/,
  ],
];

for (const [what, mutate, path, message] of invalid) {
  test(`config error names the path: ${what}`, () => {
    const config = structuredClone(seed);
    mutate(config);
    assert.throws(
      () => parse(config),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const issue = error.issues.find((i) => i.path === path);
        assert.ok(issue, `expected an issue at ${path}, got ${JSON.stringify(error.issues)}`);
        assert.match(issue.message, message);
        assert.match(error.message, new RegExp(path.replace(/[[\].]/g, '\\$&')));
        return true;
      },
    );
  });
}

test('secrets come from the environment, prefixed form first, and a missing one says what to set', () => {
  assert.equal(
    requireSecret('api_key', { env: { API_KEY: 'plain', STREAMTAP_SECRET_API_KEY: 'prefixed' } }),
    'prefixed',
  );
  assert.equal(requireSecret('api_key', { env: { API_KEY: 'plain' } }), 'plain');
  assert.throws(
    () => requireSecret('api_key', { env: {} }),
    (e: unknown) => e instanceof SecretMissingError && /API_KEY/.test(e.message),
  );
});
