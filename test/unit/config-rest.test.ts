// The REST config grammar: dlt configs that must load (verbatim from dlt's docs, secrets as references),
// and a table with one row per kind of mistake, each naming its exact path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseSourceConfig } from '../../src/config/load.js';
import { secretNames } from '../../src/config/source.js';

const parse = (raw: unknown) => parseSourceConfig(raw, { name: 'src', origin: 'test', env: {} });

test("dlt's GitHub example: incremental param, resolve param in the path, include_from_parent, defaults", () => {
  const source = parse({
    client: { base_url: 'https://api.github.com/repos/dlt-hub/dlt/', auth: { token: { $secret: 'github_token' } } },
    resource_defaults: { primary_key: 'id', write_disposition: 'merge', endpoint: { params: { per_page: 100 } } },
    resources: [
      {
        name: 'issues',
        endpoint: {
          path: 'issues',
          params: {
            sort: 'updated',
            direction: 'desc',
            state: 'open',
            since: { type: 'incremental', cursor_path: 'updated_at', initial_value: '2024-01-25T11:21:28Z' },
          },
        },
      },
      {
        name: 'issue_comments',
        endpoint: {
          path: 'issues/{issue_number}/comments',
          params: { issue_number: { type: 'resolve', resource: 'issues', field: 'number' } },
        },
        include_from_parent: ['id'],
      },
    ],
  });
  assert.equal(source.baseUrl, 'https://api.github.com/repos/dlt-hub/dlt');
  assert.deepEqual(source.auth, { type: 'bearer', token: { $secret: 'github_token' } });
  const [issues, comments] = source.resources;
  assert.deepEqual(issues?.endpoint.params, { per_page: 100, sort: 'updated', direction: 'desc', state: 'open' });
  assert.equal(issues?.endpoint.incremental?.startParam, 'since');
  assert.equal(issues?.endpoint.incremental?.initialValue, '2024-01-25T11:21:28Z');
  assert.equal(comments?.endpoint.path, 'issues/{resources.issues.number}/comments');
  assert.deepEqual(comments?.parent, { resource: 'issues', includeFromParent: ['id'] });
  assert.deepEqual(comments?.endpoint.params, { per_page: 100 });
  assert.deepEqual(secretNames(source), ['github_token']);
});

test('dlt configs with every paginator type, auth type and endpoint key load', () => {
  const source = parse({
    client: {
      base_url: 'https://api.example.com',
      auth: {
        type: 'oauth2_client_credentials',
        access_token_url: 'https://auth.example.com/token',
        client_id: 'app',
        client_secret: { $secret: 'cs' },
        access_token_request_data: { scope: 'read' },
      },
      headers: { 'User-Agent': 'MyApp/1.0' },
      paginator: { type: 'json_link', next_url_path: 'pagination.next' },
      rate_limit: { requests_per_second: 5, burst: 2, max_concurrency: 4 },
    },
    resource_defaults: { primary_key: ['org', 'id'], write_disposition: { disposition: 'merge', strategy: 'upsert' } },
    resources: [
      'posts',
      { name: 'links', endpoint: { path: 'links', paginator: 'header_link' } },
      {
        name: 'off',
        endpoint: {
          path: 'off',
          paginator: { type: 'offset', limit: 100, total_path: null, has_more_path: 'has_more' },
        },
      },
      {
        name: 'pages',
        endpoint: {
          path: 'pages',
          paginator: { type: 'page_number', base_page: 1, total_path: 'total_pages', maximum_page: 10 },
        },
      },
      {
        name: 'search',
        endpoint: {
          path: 'search',
          method: 'POST',
          json: { q: 'x' },
          paginator: { type: 'cursor', cursor_path: 'next_cursor', cursor_body_path: 'start_cursor' },
        },
      },
      { name: 'hc', endpoint: { path: 'hc', paginator: { type: 'header_cursor', cursor_key: 'NextPageToken' } } },
      {
        name: 'one',
        endpoint: {
          path: 'one',
          paginator: 'single_page',
          response_actions: [
            { status_code: 404, action: 'ignore' },
            { content: 'Not found', action: 'ignore' },
          ],
        },
      },
      {
        name: 'auto',
        endpoint: {
          path: 'auto',
          paginator: 'auto',
          auth: { type: 'api_key', name: 'api_key', api_key: { $secret: 'k' }, location: 'query' },
        },
      },
      { name: 'legacy', endpoint: { path: 'legacy', paginator: { type: 'json_response' } } },
      {
        name: 'basic',
        endpoint: { path: 'b', auth: { type: 'http_basic', username: 'u', password: { $secret: 'pw' } } },
        selected: false,
        max_table_nesting: 0,
        table_name: 'basic_table',
      },
      {
        name: 'inc',
        endpoint: {
          path: 'inc',
          params: { since: '{incremental.start_value}' },
          incremental: {
            cursor_path: 'updated_at',
            initial_value: '2024-01-01',
            end_value: '2024-02-01',
            row_order: 'asc',
          },
        },
      },
    ],
  });
  const by = Object.fromEntries(source.resources.map((r) => [r.name, r]));
  assert.equal(by.posts?.endpoint.path, 'posts');
  assert.equal(by.posts?.endpoint.paginator?.type, 'json_link', 'client.paginator is the default');
  assert.equal(by.links?.endpoint.paginator?.type, 'header_link');
  assert.equal(by.auto?.endpoint.paginator, undefined, 'auto means detect');
  assert.deepEqual(by.off?.primaryKey, ['org', 'id']);
  assert.equal(by.off?.writeDisposition, 'merge');
  assert.deepEqual([by.basic?.selected, by.basic?.tableName, by.basic?.maxTableNesting], [false, 'basic_table', 0]);
  assert.deepEqual(source.rateLimit, { requests_per_second: 5, burst: 2, max_concurrency: 4 });
  assert.deepEqual(secretNames(source).sort(), ['cs', 'k', 'pw']);
  assert.ok(Object.isFrozen(by.search?.endpoint.json));
});

const base = () => ({
  client: {
    base_url: 'https://api.example.com',
    auth: { type: 'bearer', token: { $secret: 'api_key' } } as Record<string, unknown>,
  },
  resource_defaults: { primary_key: 'id' } as Record<string, unknown>,
  resources: [
    {
      name: 'issues',
      endpoint: {
        path: '/issues',
        paginator: { type: 'cursor', cursor_path: 'next' } as Record<string, unknown>,
      } as Record<string, unknown>,
    },
    {
      name: 'comments',
      endpoint: { path: '/issues/{resources.issues.id}/comments' } as Record<string, unknown>,
    } as Record<string, unknown>,
  ] as Record<string, unknown>[],
});
type Config = ReturnType<typeof base>;
const ep = (c: Config, i = 0) => c.resources[i]!.endpoint as Record<string, unknown>;

const mistakes: [string, (c: Config) => void, string, RegExp][] = [
  [
    'unknown auth type',
    (c) => (c.client.auth = { type: 'digest', token: 'x' }),
    'client.auth.type',
    /bearer, api_key, http_basic, oauth2_client_credentials/,
  ],
  [
    'api_key location',
    (c) => (c.client.auth = { type: 'api_key', api_key: { $secret: 'k' }, location: 'body' }),
    'client.auth.location',
    /header.*query.*cookie/,
  ],
  [
    'oauth2 with a token URL that is not http(s)',
    (c) =>
      (c.client.auth = {
        type: 'oauth2_client_credentials',
        access_token_url: 'ftp://a/t',
        client_id: 'a',
        client_secret: { $secret: 's' },
      }),
    'client.auth.access_token_url',
    /URL/,
  ],
  [
    'oauth2 literal client_secret',
    (c) =>
      (c.client.auth = {
        type: 'oauth2_client_credentials',
        access_token_url: 'https://a/t',
        client_id: 'a',
        client_secret: 'hunter2',
      }),
    'client.auth.client_secret',
    /secret reference/,
  ],
  [
    'http_basic literal password',
    (c) => (c.client.auth = { type: 'http_basic', username: 'u', password: 'pw' }),
    'client.auth.password',
    /secret reference/,
  ],
  [
    'secret name with a dash',
    (c) => (c.client.auth = { type: 'bearer', token: { $secret: 'api-key' } }),
    'client.auth.token.$secret',
    /letters, digits and _/,
  ],
  [
    'unknown paginator key',
    (c) => (ep(c).paginator = { type: 'json_link', next_url: 'next' }),
    'resources[0].endpoint.paginator.next_url',
    /unknown key/,
  ],
  [
    'unknown paginator type at client level',
    (c) => ((c.client as Record<string, unknown>).paginator = { type: 'link_header' }),
    'client.paginator.type',
    /header_link/,
  ],
  [
    'offset without limit (object)',
    (c) => (ep(c).paginator = { type: 'offset' }),
    'resources[0].endpoint.paginator.limit',
    /number/,
  ],
  [
    'offset without limit (bare name)',
    (c) => (ep(c).paginator = 'offset'),
    'resources[0].endpoint.paginator.limit',
    /number/,
  ],
  [
    'bare name that is no paginator',
    (c) => (ep(c).paginator = 'next_link'),
    'resources[0].endpoint.paginator',
    /one of "json_link".*or object, received "next_link"/,
  ],
  [
    'schema_contract mode misspelt (the refused word is echoed)',
    (c) => ((c.resources as Record<string, unknown>[])[0]!.schema_contract = 'freez'),
    'resources[0].schema_contract',
    /expected one of "evolve", "freeze", "discard_row", "discard_value" or object, received "freez"/,
  ],
  [
    'schema_contract entity mode misspelt',
    (c) => ((c.resources as Record<string, unknown>[])[0]!.schema_contract = { columns: 'discard' }),
    'resources[0].schema_contract.columns',
    /received "discard"/,
  ],
  [
    'negative limit',
    (c) => (ep(c).paginator = { type: 'offset', limit: -5 }),
    'resources[0].endpoint.paginator.limit',
    />0|positive|too small/i,
  ],
  [
    'cursor_param and cursor_body_path',
    (c) => (ep(c).paginator = { type: 'cursor', cursor_param: 'c', cursor_body_path: 'c' }),
    'resources[0].endpoint.paginator.cursor_body_path',
    /not both/,
  ],
  [
    'a paginator that can never stop',
    (c) => (ep(c).paginator = { type: 'page_number', total_path: null, stop_after_empty_page: false }),
    'resources[0].endpoint.paginator',
    /never stop/,
  ],
  [
    'a stop condition that does not parse',
    (c) => (ep(c).paginator = { type: 'cursor', stop_condition: 'metadata.after is' }),
    'resources[0].endpoint.paginator.stop_condition',
    /unexpected end/,
  ],
  [
    'a data selector that does not parse',
    (c) => (ep(c).data_selector = 'data[0'),
    'resources[0].endpoint.data_selector',
    /unclosed \[/,
  ],
  [
    'a has_more_path that does not parse',
    (c) => (ep(c).paginator = { type: 'offset', limit: 5, has_more_path: 'a[x]' }),
    'resources[0].endpoint.paginator.has_more_path',
    /"a\[x\]" is not valid JSONPath: unexpected token/,
  ],
  [
    'a path placeholder with no param',
    (c) => (ep(c).path = '/issues/{issue_id}'),
    'resources[0].endpoint.path',
    /needs a param named "issue_id"/,
  ],
  ['an unbalanced brace', (c) => (ep(c).path = '/issues/{id'), 'resources[0].endpoint.path', /unclosed "\{"/],
  [
    'an unknown placeholder context',
    (c) => (ep(c).params = { q: '{config.query}' }),
    'resources[0].endpoint.params',
    /start with resources\./,
  ],
  [
    '{incremental.*} without incremental',
    (c) => (ep(c).params = { since: '{incremental.start_value}' }),
    'resources[0].endpoint.params',
    /needs endpoint.incremental/,
  ],
  [
    'an unknown incremental key',
    (c) => Object.assign(ep(c), { params: { since: '{incremental.start}' }, incremental: { cursor_path: 'u' } }),
    'resources[0].endpoint.params',
    /incremental\.start_value/,
  ],
  [
    'a placeholder in a JSON body',
    (c) => Object.assign(ep(c), { method: 'POST', json: { filter: '{env.HOME}' } }),
    'resources[0].endpoint.json',
    /not valid/,
  ],
  [
    'a resolve to an unknown resource',
    (c) => (ep(c, 1).path = '/x/{resources.isues.id}'),
    'resources[1].endpoint',
    /parent resource "isues" is not defined/,
  ],
  [
    'two parents',
    (c) => c.resources.push({ name: 'x', endpoint: { path: '/{resources.issues.id}/{resources.comments.id}' } }),
    'resources[2].endpoint',
    /one parent/,
  ],
  [
    'a parent cycle',
    (c) => (ep(c).path = '/issues/{resources.comments.id}'),
    'resources[0].endpoint',
    /parent cycle: issues → comments → issues/,
  ],
  [
    'include_from_parent without a parent',
    (c) => (c.resources[0]!.include_from_parent = ['id']),
    'resources[0].include_from_parent',
    /needs a parent resource/,
  ],
  [
    'resolve param missing its field',
    (c) => (ep(c).params = { n: { type: 'resolve', resource: 'comments' } }),
    'resources[0].endpoint.params.n.field',
    /expected/,
  ],
  [
    'param object of unknown type',
    (c) => (ep(c).params = { n: { type: 'lookup', resource: 'x' } }),
    'resources[0].endpoint.params.n.type',
    /"resolve" or "incremental"/,
  ],
  [
    'two incremental bindings',
    (c) =>
      Object.assign(ep(c), {
        params: { since: { type: 'incremental', cursor_path: 'u' } },
        incremental: { cursor_path: 'u' },
      }),
    'resources[0].endpoint.incremental',
    /only one incremental/,
  ],
  [
    'end_value in an incremental param',
    (c) => (ep(c).params = { since: { type: 'incremental', cursor_path: 'u', initial_value: 1, end_value: 5 } }),
    'resources[0].endpoint.params.since.end_value',
    /endpoint.incremental/,
  ],
  [
    'end_value without initial_value',
    (c) => (ep(c).incremental = { cursor_path: 'u', end_value: 5 }),
    'resources[0].endpoint.incremental.initial_value',
    /end_value needs initial_value/,
  ],
  [
    'incremental without cursor_path',
    (c) => (ep(c).incremental = { initial_value: 5 }),
    'resources[0].endpoint.incremental.cursor_path',
    /expected/,
  ],
  [
    'an unknown last_value_func',
    (c) => (ep(c).incremental = { cursor_path: 'u', last_value_func: 'latest' }),
    'resources[0].endpoint.incremental.last_value_func',
    /max.*min/,
  ],
  [
    'a bad response status',
    (c) => (ep(c).response_actions = [{ status_code: 4040, action: 'ignore' }]),
    'resources[0].endpoint.response_actions[0].status_code',
    /599|too big|404/,
  ],
  [
    'an unknown response action',
    (c) => (ep(c).response_actions = [{ status_code: 404, action: 'skip' }]),
    'resources[0].endpoint.response_actions[0].action',
    /ignore.*retry|function/,
  ],
  [
    'a processing step that is not a function',
    (c) => (c.resources[0]!.processing_steps = [{ filter: 'id > 3' }]),
    'resources[0].processing_steps[0].filter',
    /a function/,
  ],
  ['an unknown HTTP method', (c) => (ep(c).method = 'PATCH'), 'resources[0].endpoint.method', /GET.*POST/],
  [
    'a header that is not text',
    (c) => ((c.client as Record<string, unknown>).headers = { 'X-Version': 2 }),
    'client.headers.X-Version',
    /string/,
  ],
  [
    'a negative rate',
    (c) => ((c.client as Record<string, unknown>).rate_limit = { requests_per_second: -1 }),
    'client.rate_limit.requests_per_second',
    />0|too small/i,
  ],
  [
    'an unknown rate_limit key',
    (c) => ((c.client as Record<string, unknown>).rate_limit = { rps: 1 }),
    'client.rate_limit.rps',
    /unknown key/,
  ],
  ['max_pages of 0', (c) => (c.resources[0]!.max_pages = 0), 'resources[0].max_pages', />0|too small/i],
  [
    'max_parallel_resources of 0',
    (c) => ((c as Record<string, unknown>).max_parallel_resources = 0),
    'max_parallel_resources',
    />0|too small/i,
  ],
  [
    'a disposition object with a wrong disposition',
    (c) => (c.resources[0]!.write_disposition = { disposition: 'upsert' }),
    'resources[0].write_disposition.disposition',
    /merge/,
  ],
  [
    'a resource given as a bad string',
    (c) => c.resources.push('2fa codes' as never),
    'resources[2]',
    /not a resource name/,
  ],
  [
    'a misspelt resource key',
    (c) => (c.resources[0]!.colums = { id: { data_type: 'text' } }),
    'resources[0].colums',
    /unknown key/,
  ],
];

for (const [what, mutate, path, message] of mistakes) {
  test(`config error names the path: ${what}`, () => {
    const config = base();
    mutate(config);
    assert.throws(
      () => parse(config),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        const issue = error.issues.find((i) => i.path === path);
        assert.ok(issue, `expected an issue at ${path}, got ${JSON.stringify(error.issues)}`);
        assert.match(issue.message, message);
        assert.ok(error.message.includes(`${path}: `), error.message);
        return true;
      },
    );
  });
}

test('the base of the mistakes table is itself valid', () => {
  const source = parse(base());
  assert.equal(source.resources[1]?.parent?.resource, 'issues');
});

test('a refused word is echoed in the config error, but never under a key that may hold a credential', () => {
  const config = (auth: unknown) => ({
    client: { base_url: 'https://api.example.com/v1/', auth },
    resources: [{ name: 'a', endpoint: 'a' }],
  });
  assert.throws(
    () => parseSourceConfig(config({ type: 'bearer', token: 'hunter2-literal' }), { name: 's', origin: 'o' }),
    (error: Error) => !error.message.includes('hunter2') && /client\.auth\.token/.test(error.message),
  );
  assert.throws(
    () => parseSourceConfig(config({ type: 'hunter2-type' }), { name: 's', origin: 'o' }),
    (error: Error) => !error.message.includes('hunter2'),
  );
});

test('dlt resource hints: columns, merge_key and schema_contract kept; hints with no meaning here accepted with one warning each', () => {
  const source = parse({
    client: { base_url: 'https://api.test' },
    resources: [
      {
        name: 'events',
        columns: { amount: { data_type: 'decimal', precision: 18, scale: 2 } },
        merge_key: 'day',
        schema_contract: { columns: 'freeze' },
        table_format: 'iceberg',
        table_name: (record: { type: string }) => record.type,
      },
    ],
  });
  const [events] = source.resources;
  assert.deepEqual(events?.columns, { amount: { data_type: 'decimal', precision: 18, scale: 2 } });
  assert.deepEqual(events?.mergeKey, ['day']);
  assert.deepEqual(events?.schemaContract, { tables: 'evolve', columns: 'freeze', data_type: 'evolve' });
  assert.equal(events?.tableName, 'events');
  assert.equal(events?.writeDisposition, 'append');
  assert.deepEqual(events?.primaryKey, []);
  assert.equal(source.warnings.length, 2);
  assert.match(source.warnings.join('\n'), /table_format: accepted for dlt compatibility; it has no meaning/);
  assert.match(source.warnings.join('\n'), /table_name: a function is accepted .* not applied/);
});

test("dlt's columns hints merge over resource_defaults' column by column, hint by hint (_merge_resource_endpoints)", () => {
  const source = parse({
    client: { base_url: 'https://api.test' },
    resource_defaults: {
      columns: { amount: { data_type: 'decimal', precision: 18 }, seen: { data_type: 'date' } },
    },
    resources: [
      {
        name: 'events',
        columns: [
          { name: 'amount', scale: 4 },
          { name: 'blob', data_type: 'binary' },
        ],
      },
      { name: 'other' },
    ],
  });
  assert.deepEqual(source.resources[0]?.columns, {
    amount: { data_type: 'decimal', precision: 18, name: 'amount', scale: 4 },
    seen: { data_type: 'date' },
    blob: { name: 'blob', data_type: 'binary' },
  });
  assert.deepEqual(source.resources[1]?.columns, {
    amount: { data_type: 'decimal', precision: 18 },
    seen: { data_type: 'date' },
  });
});

test('a resource given as a bare path is named by its words, with a warning; its path stays (dlt names it by the path)', () => {
  const source = parseSourceConfig(
    { client: { base_url: 'https://api.example.com' }, resources: ['/protected/posts/bearer-token'] },
    { name: 'paths', origin: 'test', env: {} },
  );
  assert.equal(source.resources[0]?.name, 'protected_posts_bearer_token');
  assert.equal(source.resources[0]?.endpoint.path, '/protected/posts/bearer-token');
  assert.ok(source.warnings.some((w) => /is named "protected_posts_bearer_token"/.test(w)));
});

test('a header name that is not an HTTP token (braces, spaces) is refused at load, naming it', () => {
  assert.throws(
    () =>
      parseSourceConfig(
        {
          client: { base_url: 'https://api.example.com' },
          resources: [{ name: 'a', endpoint: { headers: { 'X-{{id}}': 'v' } } }],
        },
        { name: 'h', origin: 'test', env: {} },
      ),
    /resources\[0\]\.endpoint\.headers\.X-\{\{id\}\}: "X-\{\{id\}\}" is not an HTTP header name/,
  );
});

test('a body path on a GET is sent in the GET body, as dlt does, with a warning that names the method', () => {
  const source = parse({
    client: { base_url: 'https://api.example.com' },
    resources: [{ name: 'a', endpoint: { paginator: { type: 'cursor', cursor_body_path: 'page.cursor' } } }],
  });
  assert.ok(
    source.warnings.some((w) =>
      /^resources\[0\]\.endpoint\.method: cursor_body_path put pagination in a JSON body of a GET request/.test(w),
    ),
    source.warnings.join('\n'),
  );
});

test('a {user-id} placeholder binds the param "user-id" (a name Python str.format reads whole, as dlt does)', () => {
  const source = parse({
    client: { base_url: 'https://api.example.com' },
    resources: [{ name: 'a', endpoint: { path: '/users/{user-id}', params: { 'user-id': 5 } } }],
  });
  assert.equal(source.resources[0]?.endpoint.path, '/users/5');
});

test('an unknown response action string is a config error that names it and the actions there are', () => {
  assert.throws(
    () =>
      parse({
        client: { base_url: 'https://api.example.com' },
        resources: [{ name: 'a', endpoint: { response_actions: [{ status_code: 404, action: 'skip' }] } }],
      }),
    /resources\[0\]\.endpoint\.response_actions\[0\]\.action: "skip" is not a response action: dlt's is "ignore"/,
  );
});

test('a decimal hint ClickHouse cannot hold is a config error at load, not a hint dropped at run', () => {
  const load = (columns: unknown) =>
    parseSourceConfig(
      {
        client: { base_url: 'http://localhost:1' },
        resources: [{ name: 'a', primary_key: 'id', columns, endpoint: 'a' }],
      },
      { name: 'decimal_hints', origin: 'test' },
    );
  const refused = (columns: unknown, path: string, message: RegExp) =>
    assert.throws(
      () => load(columns),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === path && message.test(i.message)),
      JSON.stringify(columns),
    );
  refused(
    { p: { data_type: 'decimal', precision: 5, scale: 7 } },
    'resources[0].columns.p.scale',
    /scale 7 is above its precision 5/,
  );
  refused(
    [{ name: 'p', data_type: 'decimal', precision: 80 }],
    'resources[0].columns[0].precision',
    /precision 80 is above 76/,
  );
  // The default precision is dlt's 38: a scale above it is refused too.
  refused(
    { p: { data_type: 'decimal', scale: 40 } },
    'resources[0].columns.p.scale',
    /scale 40 is above its precision 38/,
  );
  assert.doesNotThrow(() => load({ p: { data_type: 'decimal', precision: 76, scale: 76 } }));
});

test("the config's decimal limits are the Avro mapping's", async () => {
  const { DEFAULT_DECIMAL, MAX_DECIMAL_PRECISION } = await import('../../src/avro/dlt-types.js');
  assert.deepEqual([MAX_DECIMAL_PRECISION, DEFAULT_DECIMAL], [76, { precision: 38, scale: 9 }]);
});
