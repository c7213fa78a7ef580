// Issue 13, kind 2: what servers say about waiting. Retry-After that is no usable wait (0, negative, a past date,
// garbage) falls back to the backoff instead of a retry storm (case 06); a usable one never goes below the backoff;
// one beyond the budget fails at once, naming the wait; rate-limit headers pause the client before a 429.
// Waits are read from an injected clock and sleep, never taken.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestError } from '../../src/rest/errors.js';
import { parseRateLimit, parseRetryAfter } from '../../src/rest/retry-after.js';
import { clientOf, ids, recordsOf, sendJson, sourceOf, startRecorder } from './rest-support.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function fakeClock() {
  let now = NOW;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

const source = (url: string) =>
  sourceOf({ resources: [{ name: 'r', primary_key: 'id', endpoint: { path: '/r', data_selector: 'data' } }] }, url);

test('parseRetryAfter: seconds above zero or a future date; 0, negative, past, garbage are no usable wait', () => {
  assert.equal(parseRetryAfter('3', NOW), 3000);
  assert.equal(parseRetryAfter(' 1.5 ', NOW), 1500);
  assert.equal(parseRetryAfter(new Date(NOW + 45_000).toUTCString(), NOW), 45_000);
  for (const useless of ['0', '-5', new Date(NOW - 1000).toUTCString(), 'soon', 'Tomorrow', '', undefined])
    assert.equal(parseRetryAfter(useless, NOW), undefined, String(useless));
});

test('parseRateLimit: X-RateLimit-* (epoch or delta reset), RateLimit-* and the structured RateLimit header', () => {
  assert.deepEqual(
    parseRateLimit({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }, NOW),
    {
      remaining: 0,
      resetMs: 30_000,
      source: `X-RateLimit-Remaining: 0, X-RateLimit-Reset: ${NOW / 1000 + 30}`,
    },
  );
  assert.equal(parseRateLimit({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '12' }, NOW)?.resetMs, 12_000);
  assert.equal(parseRateLimit({ 'ratelimit-remaining': '0', 'ratelimit-reset': '7' }, NOW)?.resetMs, 7000);
  assert.deepEqual(parseRateLimit({ ratelimit: 'limit=10, remaining=0, reset=4' }, NOW), {
    remaining: 0,
    resetMs: 4000,
    source: 'RateLimit: limit=10, remaining=0, reset=4',
  });
  assert.equal(parseRateLimit({ 'content-type': 'application/json' }, NOW), undefined);
});

test('Retry-After of 0, negative, a past date or garbage: the backoff applies, never an instant retry', async () => {
  for (const header of ['0', '-1', new Date(NOW - 60_000).toUTCString(), 'in a moment']) {
    let calls = 0;
    const server = await startRecorder((_req, res) =>
      ++calls <= 2
        ? sendJson(res, 429, { error: 'slow down' }, { 'retry-after': header })
        : sendJson(res, 200, { data: [{ id: 1 }, { id: 2 }] }),
    );
    const clock = fakeClock();
    const client = clientOf(source(server.url), { now: clock.now, retry: { sleep: clock.sleep } });
    assert.deepEqual(ids(await recordsOf(client, 'r')), [1, 2]);
    // random 0.5, factor 2: 1.5 s then 3 s, exactly what a 429 without the header gets
    assert.deepEqual(clock.sleeps, [1500, 3000], `Retry-After: ${header}`);
  }
});

test('a usable Retry-After is honoured, never below the backoff floor of 1 s; 429 without one and 503 with one as documented', async () => {
  for (const [status, headers, expected] of [
    [503, { 'retry-after': '1' }, [1000]],
    [503, { 'retry-after': '0.2' }, [1000]],
    [503, { 'retry-after': '10' }, [10_000]],
    [429, {}, [1500]],
  ] as const) {
    let calls = 0;
    const server = await startRecorder((_req, res) =>
      ++calls === 1 ? sendJson(res, status, {}, headers) : sendJson(res, 200, { data: [{ id: 1 }] }),
    );
    const clock = fakeClock();
    const client = clientOf(source(server.url), { now: clock.now, retry: { sleep: clock.sleep } });
    assert.deepEqual(ids(await recordsOf(client, 'r')), [1]);
    assert.deepEqual(clock.sleeps, expected, `${status} ${JSON.stringify(headers)}`);
  }
});

test('a Retry-After beyond the retry budget fails at once, naming the wait the server asked for', async () => {
  const server = await startRecorder((_req, res) => sendJson(res, 429, {}, { 'retry-after': '3600' }));
  const clock = fakeClock();
  const client = clientOf(source(server.url), { now: clock.now, retry: { sleep: clock.sleep } });
  await assert.rejects(recordsOf(client, 'r'), (e: unknown) => {
    assert.ok(e instanceof RestError && e.code === 'RETRY_AFTER_TOO_LONG' && !e.retriable);
    assert.match(e.message, /asked to wait 3600 s \(Retry-After\).*more than the 120 s a retry may wait/);
    return true;
  });
  assert.equal(server.requests.length, 1);
  assert.deepEqual(clock.sleeps, []);
});

test('rate-limit headers: a spent quota pauses the next request until the reset, before any 429', async () => {
  for (const [quota, wait] of [
    [{ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }, 30_000],
    [{ 'ratelimit-remaining': '0', 'ratelimit-reset': '7' }, 7000],
    [{ ratelimit: 'limit=2, remaining=0, reset=4' }, 4000],
  ] as const) {
    const server = await startRecorder((req, res) => {
      const page = Number(req.url.searchParams.get('page') ?? 1);
      sendJson(res, 200, { data: [{ id: page }], next: page < 2 ? '/r?page=2' : null }, page === 1 ? quota : {});
    });
    const clock = fakeClock();
    const client = clientOf(source(server.url), { now: clock.now, retry: { sleep: clock.sleep } });
    assert.deepEqual(ids(await recordsOf(client, 'r')), [1, 2]);
    assert.deepEqual(clock.sleeps, [wait], JSON.stringify(quota));
  }
  const spent = await startRecorder((req, res) =>
    sendJson(
      res,
      200,
      { data: [{ id: 1 }], next: '/r?page=2' },
      { 'ratelimit-remaining': '0', 'ratelimit-reset': '600' },
    ),
  );
  const clock = fakeClock();
  const client = clientOf(source(spent.url), { now: clock.now, retry: { sleep: clock.sleep } });
  await assert.rejects(recordsOf(client, 'r'), (e: unknown) => {
    assert.ok(e instanceof RestError && e.code === 'RETRY_AFTER_TOO_LONG');
    assert.match(e.message, /quota is spent \(RateLimit-Remaining: 0, RateLimit-Reset: 600\) and resets in 600 s/);
    return true;
  });
  assert.equal(spent.requests.length, 1);
});
