// Incremental loading: dlt's semantics for start/end values and last_value, how the values reach the API,
// and when a state may be committed (only after the producer says every record was acknowledged).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResolvedIncremental } from '../../src/config/source.js';
import { compareCursor, IncrementalCursor, type IncrementalState } from '../../src/rest/incremental.js';
import { RestError } from '../../src/rest/errors.js';
import { ExtractionSession } from '../../src/rest/session.js';
import { clientOf, ids, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

const base: ResolvedIncremental = {
  cursorPath: 'updated_at',
  initialValue: '2024-01-01T00:00:00Z',
  endValue: undefined,
  startParam: 'since',
  endParam: undefined,
  lastValueFunc: 'max',
  onCursorValueMissing: 'raise',
  rowOrder: undefined,
  rangeStart: 'closed',
  rangeEnd: 'open',
  convert: undefined,
};
const at = (updated_at: unknown, id = 1) => ({ id, updated_at });
const saved = (lastValue: string | number, cursorPath = 'updated_at'): IncrementalState => ({
  lastValue,
  cursorPath,
  updatedAt: '',
});

test('compareCursor: numbers, ISO timestamps by instant across offsets, plain strings, numeric strings', () => {
  assert.ok(compareCursor(2, 10) < 0);
  assert.ok(compareCursor('2024-01-01T01:00:00+02:00', '2023-12-31T23:30:00Z') < 0, '01:00+02:00 is 23:00Z');
  assert.ok(compareCursor('b', 'a') > 0);
  assert.equal(compareCursor('42', 42), 0);
  assert.throws(() => compareCursor('abc', 5), /cannot compare/);
});

test('start value: the saved state wins over initial_value; a state for another cursor path is ignored', () => {
  assert.equal(new IncrementalCursor(base, undefined).startValue, '2024-01-01T00:00:00Z');
  assert.equal(new IncrementalCursor(base, saved('2024-05-01T00:00:00Z')).startValue, '2024-05-01T00:00:00Z');
  assert.equal(
    new IncrementalCursor(base, saved('2024-05-01T00:00:00Z', 'created_at')).startValue,
    '2024-01-01T00:00:00Z',
  );
});

test('range: [start, end) by default, records outside dropped, last value tracks the max kept', () => {
  const c = new IncrementalCursor({ ...base, endValue: '2024-03-01T00:00:00Z' }, undefined);
  const verdicts = [
    '2023-12-31T00:00:00Z',
    '2024-01-01T00:00:00Z',
    '2024-02-10T00:00:00Z',
    '2024-03-01T00:00:00Z',
    '2024-01-05T00:00:00Z',
  ].map((v) => c.check(at(v)));
  assert.deepEqual(verdicts, ['drop', 'keep', 'keep', 'drop', 'keep']);
  assert.equal(c.lastValue, '2024-02-10T00:00:00Z');
  assert.equal(c.persists, false, 'a run with end_value is a backfill: it saves no state (dlt)');
  assert.equal(c.state(), undefined);
  const open = new IncrementalCursor({ ...base, rangeStart: 'open' }, undefined);
  assert.equal(open.check(at('2024-01-01T00:00:00Z')), 'drop', 'range_start open drops the start value itself');
});

test('last_value_func min walks backwards; row_order lets pagination stop at the first record out of range', () => {
  const min = new IncrementalCursor(
    { ...base, cursorPath: 'n', initialValue: 100, lastValueFunc: 'min', startParam: undefined },
    undefined,
  );
  assert.deepEqual(
    [120, 90, 50, 70].map((n) => min.check({ n })),
    ['drop', 'keep', 'keep', 'keep'],
  );
  assert.equal(min.lastValue, 50);
  const asc = new IncrementalCursor({ ...base, endValue: '2024-02-01T00:00:00Z', rowOrder: 'asc' }, undefined);
  assert.equal(asc.check(at('2024-02-02T00:00:00Z')), 'stop');
  const desc = new IncrementalCursor({ ...base, rowOrder: 'desc' }, undefined);
  assert.equal(desc.check(at('2023-06-01T00:00:00Z')), 'stop');
});

test('on_cursor_value_missing: raise (default) names the path and fields; include and exclude count them', () => {
  assert.throws(
    () => new IncrementalCursor(base, undefined).check({ id: 1, title: 'x' }),
    /no incremental cursor "updated_at" \(fields: id, title\)/,
  );
  const include = new IncrementalCursor({ ...base, onCursorValueMissing: 'include' }, undefined);
  assert.equal(include.check({ id: 1 }), 'keep');
  const exclude = new IncrementalCursor({ ...base, onCursorValueMissing: 'exclude' }, undefined);
  assert.equal(exclude.check({ id: 1 }), 'drop');
  assert.equal(exclude.missing, 1);
});

test('dlt incremental param, and {incremental.*} placeholders with convert, reach params, JSON body and headers', async () => {
  const server = await startRecorder((_req, res) =>
    sendJson(res, 200, [at('2024-02-01T00:00:00Z', 1), at('2023-01-01T00:00:00Z', 2)]),
  );
  const legacy = sourceOf(
    {
      resources: [
        {
          name: 'issues',
          primary_key: 'id',
          endpoint: {
            path: '/issues',
            params: {
              since: { type: 'incremental', cursor_path: 'updated_at', initial_value: '2024-01-25T11:21:28Z' },
            },
          },
        },
      ],
    },
    server.url,
  );
  assert.deepEqual(
    ids(await recordsOf(clientOf(legacy), 'issues')),
    [1],
    'the record before the start value is dropped',
  );
  assert.equal(server.requests[0]?.url.searchParams.get('since'), '2024-01-25T11:21:28Z');

  const placeholders = sourceOf(
    {
      resources: [
        {
          name: 'search',
          primary_key: 'id',
          endpoint: {
            path: '/search',
            method: 'POST',
            params: { from: '{incremental.start_value}', until: '{incremental.end_value}' },
            json: { filter: { gte: '{incremental.start_value}', label: 'since {incremental.initial_value}' } },
            headers: { 'X-Since': '{incremental.start_value}' },
            incremental: {
              cursor_path: 'updated_at',
              initial_value: 1704067200,
              convert: (epoch: unknown) => new Date(Number(epoch) * 1000).toISOString().slice(0, 10),
            },
          },
        },
      ],
    },
    server.url,
  );
  const c2 = clientOf(placeholders);
  await assert.rejects(
    recordsOf(c2, 'search'),
    (e: unknown) =>
      e instanceof RestError && e.code === 'INCREMENTAL_CURSOR_INVALID' && /cannot compare/.test(e.message),
  );
  const req = server.requests[1];
  assert.deepEqual(
    Object.fromEntries(req?.url.searchParams ?? []),
    { from: '2024-01-01' },
    'an unset end_value leaves its param out',
  );
  assert.deepEqual(req?.json, { filter: { gte: '2024-01-01', label: 'since 2024-01-01' } });
  assert.equal(req?.headers['x-since'], '2024-01-01');
});

test('start_param and end_param of endpoint.incremental', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 200, [{ id: 1, ts: 15 }]));
  const source = sourceOf(
    {
      resources: [
        {
          name: 'r',
          primary_key: 'id',
          endpoint: {
            path: '/r',
            incremental: { start_param: 'gt', end_param: 'lt', cursor_path: 'ts', initial_value: 10, end_value: 20 },
          },
        },
      ],
    },
    server.url,
  );
  await recordsOf(clientOf(source), 'r');
  assert.deepEqual(Object.fromEntries(server.requests[0]?.url.searchParams ?? []), { gt: '10', lt: '20' });
});

test('commit rules: a state is committed only after complete(ok), never after a failure, and parents wait for children', async () => {
  const server = await startRecorder((req, res) => {
    if (req.url.pathname === '/parents')
      return sendJson(res, 200, [
        { id: 1, ts: 5 },
        { id: 2, ts: 7 },
      ]);
    return sendJson(res, 200, [{ id: `${req.url.pathname}`, ts: 3 }]);
  });
  const source = sourceOf(
    {
      resource_defaults: { primary_key: 'id', endpoint: { paginator: 'single_page' } },
      resources: [
        { name: 'parents', endpoint: { path: '/parents', incremental: { cursor_path: 'ts', initial_value: 0 } } },
        {
          name: 'kids',
          endpoint: {
            path: '/parents/{resources.parents.id}/kids',
            incremental: { cursor_path: 'ts', initial_value: 0 },
          },
        },
        { name: 'solo', endpoint: { path: '/solo', incremental: { cursor_path: 'ts', initial_value: 0 } } },
      ],
    },
    server.url,
  );
  const run = async (kidsOk: boolean) => {
    const commits: [string, unknown][] = [];
    const session = new ExtractionSession(source, clientOf(source), source.resources, {
      commit: async (r, s) => void commits.push([r, s.lastValue]),
    });
    const drain = async (name: string) => {
      for await (const _ of session.pages(name));
    };
    await Promise.all(['parents', 'kids', 'solo'].map(drain));
    await session.complete('solo', true);
    assert.deepEqual(commits, [['solo', 3]], 'independent resources commit on their own');
    await session.complete('parents', true);
    assert.deepEqual(commits, [['solo', 3]], 'parents waits for its child');
    await session.complete('kids', kidsOk);
    return commits;
  };
  assert.deepEqual(await run(true), [
    ['solo', 3],
    ['kids', 3],
    ['parents', 7],
  ]);
  assert.deepEqual(await run(false), [['solo', 3]], 'a failed child keeps both states where they were');
});

test('a resource that fails mid-walk commits nothing', async () => {
  const server = await startRecorder((req, res) => {
    const page = Number(req.url.searchParams.get('page') ?? 0);
    if (page === 1) return sendJson(res, 400, { error: 'bad page' });
    sendJson(res, 200, [{ id: page, ts: 10 + page }]);
  });
  const source = sourceOf(
    {
      resources: [
        {
          name: 'r',
          primary_key: 'id',
          endpoint: {
            path: '/r',
            paginator: { type: 'page_number', total_path: null },
            incremental: { cursor_path: 'ts', initial_value: 0 },
          },
        },
      ],
    },
    server.url,
  );
  const commits: unknown[] = [];
  const session = new ExtractionSession(source, clientOf(source), source.resources, {
    commit: async (_r, s) => void commits.push(s),
  });
  await assert.rejects(async () => {
    for await (const _ of session.pages('r'));
  }, /HTTP 400/);
  await session.complete('r', true);
  assert.deepEqual(commits, []);
});
