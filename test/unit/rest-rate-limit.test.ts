// Rate limits shared by a client's resources, Retry-After on every retryable status, jittered backoff,
// and the global limit on resources extracted at once. Waits are computed against injected clocks.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import { Channel } from '../../src/rest/channel.js';
import { RestError } from '../../src/rest/errors.js';
import { RateLimiter, Semaphore } from '../../src/rest/rate-limit.js';
import { backoffDelayMs, defaultRetryPolicy } from '../../src/rest/retry.js';
import { ExtractionSession } from '../../src/rest/session.js';
import { clientOf, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

/** A fake clock that only moves when someone sleeps on it. */
function fakeClock(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  return { now: () => now, sleep: async (ms: number) => void (sleeps.push(ms), (now += ms)), sleeps };
}

test('requests_per_second: a token bucket (GCRA) with burst; waits are exact on a fake clock', async () => {
  const clock = fakeClock(1_000);
  const limiter = new RateLimiter({ requestsPerSecond: 4, burst: 2, now: clock.now, sleep: clock.sleep });
  for (let i = 0; i < 6; i++) (await limiter.acquire())();
  // two at once (burst), then one every 250 ms
  assert.deepEqual(clock.sleeps, [250, 250, 250, 250]);
  assert.equal(limiter.description, '4 req/s (burst 2)');
  const idle = fakeClock(0);
  const again = new RateLimiter({ requestsPerSecond: 2, now: idle.now, sleep: idle.sleep });
  (await again.acquire())();
  idle.sleep(10_000);
  idle.sleeps.length = 0;
  (await again.acquire())();
  assert.deepEqual(idle.sleeps, [], 'no debt is carried over an idle period');
});

test('a semaphore hands a released slot to the longest waiter; abort leaves the queue', async () => {
  const s = new Semaphore(1);
  const order: string[] = [];
  const first = await s.acquire();
  const b = s.acquire().then((r) => (order.push('b'), r));
  const abort = new AbortController();
  const c = s.acquire(abort.signal).catch(() => order.push('c aborted'));
  const d = s.acquire().then((r) => (order.push('d'), r));
  abort.abort();
  await c;
  first();
  (await b)();
  (await d)();
  assert.deepEqual(order, ['c aborted', 'b', 'd']);
  assert.equal(s.inUse, 0);
});

test('the client rate limit is shared by all resources of the source', async () => {
  const clock = fakeClock();
  const server = await startRecorder((_req, res) => sendJson(res, 200, [{ id: 1 }]));
  const source = sourceOf(
    {
      client: { rate_limit: { requests_per_second: 10 } },
      resource_defaults: { primary_key: 'id', endpoint: { paginator: 'single_page' } },
      resources: ['a', 'b', 'c'],
    },
    server.url,
  );
  const client = clientOf(source, { rateLimit: { now: clock.now, sleep: clock.sleep } });
  await Promise.all(['a', 'b', 'c'].map((r) => recordsOf(client, r)));
  // One bucket for the three resources: the first request goes at once, the next two 100 ms apart,
  // so the fake clock (which moves only when someone sleeps) ends at 200 ms.
  assert.equal(server.requests.length, 3);
  assert.equal(clock.sleeps.length, 2);
  assert.equal(clock.now(), 200);
});

test('max_concurrency: requests in flight for the whole client never exceed it', async () => {
  const held: ServerResponse[] = [];
  const server = await startRecorder((_req, res) => {
    held.push(res);
    // answered in pairs: with the limit at 2 the run proceeds; a third concurrent request would show in maxInFlight
    if (held.length === 2) for (const r of held.splice(0)) sendJson(r, 200, [{ id: 1 }]);
  });
  const source = sourceOf(
    {
      client: { rate_limit: { max_concurrency: 2 } },
      resource_defaults: { primary_key: 'id', endpoint: { paginator: 'single_page' } },
      resources: ['a', 'b', 'c', 'd'],
    },
    server.url,
  );
  const client = clientOf(source);
  await Promise.all(['a', 'b', 'c', 'd'].map((r) => recordsOf(client, r)));
  assert.equal(server.requests.length, 4);
  assert.equal(server.maxInFlight, 2);
});

test('Retry-After is honoured on every retryable status (429, 500, 502, 503, 504), seconds or HTTP date', async () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  for (const status of [429, 500, 502, 503, 504]) {
    for (const [header, expected] of [
      ['3', 3000],
      [new Date(now + 45_000).toUTCString(), 45_000],
    ] as const) {
      let calls = 0;
      const server = await startRecorder((_req, res) =>
        ++calls === 1 ? sendJson(res, status, {}, { 'retry-after': header }) : sendJson(res, 200, [{ id: 1 }]),
      );
      const sleeps: number[] = [];
      const client = clientOf(sourceOf({ resources: [{ name: 'r', primary_key: 'id', endpoint: '/r' }] }, server.url), {
        sleeps,
        now: () => now,
      });
      await recordsOf(client, 'r');
      assert.deepEqual(sleeps, [expected], `HTTP ${status}, Retry-After: ${header}`);
    }
  }
});

test('a Retry-After beyond the cap is capped; without one, backoff is exponential with equal jitter', () => {
  const policy = defaultRetryPolicy({ random: () => 0 });
  const error = (retryAfterMs?: number) =>
    new RestError('HTTP_STATUS', 'x', true, { resource: 'r', url: 'u', retryAfterMs });
  assert.equal(backoffDelayMs(policy, 1, error(10 * 60_000)), 120_000);
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelayMs(policy, n, error())),
    [1000, 2000, 4000],
    'random 0: half of 2 s, 4 s, 8 s',
  );
  const high = defaultRetryPolicy({ random: () => 0.999 });
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffDelayMs(high, n, error())),
    [1999, 3998, 7996],
    'never above the full step',
  );
});

test('max_parallel_resources: resources run one group at a time; a parent and its child form one group', async () => {
  const log: string[] = [];
  const server = await startRecorder((req, res) => {
    log.push(req.url.pathname);
    sendJson(res, 200, [{ id: req.url.pathname.length }]);
  });
  const source = sourceOf(
    {
      max_parallel_resources: 1,
      resource_defaults: { primary_key: 'id', endpoint: { paginator: 'single_page' } },
      resources: ['a', 'b', { name: 'a_kids', endpoint: '/a/{resources.a.id}/kids' }],
    },
    server.url,
  );
  const client = clientOf(source);
  const session = new ExtractionSession(source, client, source.resources);
  const order: string[] = [];
  await Promise.all(
    ['a', 'b', 'a_kids'].map(async (name) => {
      for await (const _ of session.pages(name)) order.push(`page ${name}`);
      order.push(`done ${name}`);
      await session.complete(name, true);
    }),
  );
  // a and a_kids share one slot (no deadlock with a limit of 1); b waits until both are complete.
  assert.deepEqual(log, ['/a', '/a/2/kids', '/b']);
  assert.ok(order.indexOf('page b') > order.indexOf('done a_kids'));
});

test('channels apply backpressure: a writer waits while the reader is behind, and is released when it leaves', async () => {
  const ch = new Channel<number>(2);
  const pushed: number[] = [];
  const writer = (async () => {
    for (let i = 0; i < 5; i++) if (await ch.push(i)) pushed.push(i);
    return 'writer done';
  })();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(pushed, [0, 1], 'two buffered, the third push waits');
  const read: number[] = [];
  for await (const n of ch) {
    read.push(n);
    if (read.length === 3) break;
  }
  assert.equal(await writer, 'writer done', 'a reader that leaves releases the writer');
  assert.deepEqual(read, [0, 1, 2]);
});
