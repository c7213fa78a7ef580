// The retry module: backoff bounds and cap, the one abortable sleep, and retry over p-retry with an injected
// clock (a sleep that records the waits and advances a fake time instead of taking them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs, isProgrammingError, retry, sleep } from '../../src/retry.js';

/** A fake clock that only moves when someone sleeps on it. */
function fakeClock() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
}

const outage = (message = 'down') => Object.assign(new Error(message), { retriable: true });

test('backoff: equal jitter keeps every wait in [base/2, base], doubling up to the cap', () => {
  const backoff = { initialMs: 100, maxMs: 1000 };
  const bases = [100, 200, 400, 800, 1000, 1000];
  for (const [i, base] of bases.entries()) {
    assert.equal(
      backoffMs(backoff, i + 1, () => 0),
      base / 2,
      `retry ${i + 1}, lowest`,
    );
    assert.equal(
      backoffMs(backoff, i + 1, () => 0.999999),
      base,
      `retry ${i + 1}, highest`,
    );
  }
  for (let retryNumber = 1; retryNumber <= 60; retryNumber++) {
    const ms = backoffMs(backoff, retryNumber);
    assert.ok(ms >= 50 && ms <= 1000, `retry ${retryNumber}: ${ms} ms within bounds`);
  }
  assert.equal(
    backoffMs(backoff, 10_000, () => 0.5),
    750,
    'a long outage stays at the cap, never Infinity',
  );
  assert.equal(
    backoffMs({ initialMs: 2000, maxMs: Infinity }, 3, () => 0.5),
    6000,
    'no cap: plain doubling',
  );
});

test('retry: a retriable error is retried with the waits delayMs names, on the injected clock', async () => {
  const clock = fakeClock();
  const seen: number[] = [];
  let calls = 0;
  const result = await retry(
    async (n) => {
      calls++;
      if (n < 4) throw outage(`attempt ${n}`);
      return 'ok';
    },
    {
      retries: 5,
      delayMs: (n) => backoffMs({ initialMs: 100, maxMs: 250 }, n, () => 0.5),
      sleep: clock.sleep,
      onRetry: (event) => seen.push(event.retry),
    },
  );
  assert.equal(result, 'ok');
  assert.equal(calls, 4);
  assert.deepEqual(clock.waits, [75, 150, 188]);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(clock.now(), 75 + 150 + 188);
});

test('retry: gives up after `retries` and rejects with the last error itself', async () => {
  const clock = fakeClock();
  const last = outage('third');
  let n = 0;
  await assert.rejects(
    retry(
      async () => {
        n++;
        throw n === 3 ? last : outage();
      },
      { retries: 2, delayMs: () => 10, sleep: clock.sleep },
    ),
    (error) => error === last,
  );
  assert.equal(n, 3);
  assert.deepEqual(clock.waits, [10, 10]);
});

test('retry: never retries a programming error, whatever shouldRetry says', async () => {
  for (const error of [new TypeError('x is not a function'), new RangeError('bad length'), new ReferenceError('y')]) {
    const clock = fakeClock();
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw Object.assign(error, { retriable: true });
        },
        { retries: 5, delayMs: () => 10, shouldRetry: () => true, sleep: clock.sleep },
      ),
      (e) => e === error,
    );
    assert.equal(calls, 1, error.name);
    assert.deepEqual(clock.waits, []);
  }
  assert.equal(isProgrammingError(new SyntaxError('x')), true);
  assert.equal(isProgrammingError(new Error('x')), false);
});

test('retry: an error without retriable: true is not retried by default; shouldRetry can say otherwise', async () => {
  let calls = 0;
  const permanent = new Error('bad request');
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw permanent;
      },
      { retries: 3, delayMs: () => 1, sleep: fakeClock().sleep },
    ),
    (e) => e === permanent,
  );
  assert.equal(calls, 1);
  calls = 0;
  const result = await retry(
    async () => {
      if (++calls < 2) throw new Error('flaky');
      return calls;
    },
    { retries: 3, delayMs: () => 1, shouldRetry: () => true, sleep: fakeClock().sleep },
  );
  assert.equal(result, 2);
});

test('retry: an abort during the wait rejects with the signal reason and makes no further attempt', async () => {
  const abort = new AbortController();
  const reason = new Error('stopping');
  let calls = 0;
  const pending = retry(
    async () => {
      calls++;
      throw outage();
    },
    { retries: 5, delayMs: () => 60_000, signal: abort.signal },
  );
  // The first attempt fails at once; the real sleep then waits a minute unless the signal ends it.
  await new Promise((resolve) => setImmediate(resolve));
  abort.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  assert.equal(calls, 1);
});

test('retry: an injected sleep that ignores the signal still ends the retries once it aborted', async () => {
  const abort = new AbortController();
  let calls = 0;
  await assert.rejects(
    retry(
      async () => {
        calls++;
        throw outage();
      },
      {
        retries: 5,
        delayMs: () => 10,
        signal: abort.signal,
        sleep: async () => abort.abort(new Error('stop requested during the wait')),
      },
    ),
    /stop requested during the wait/,
  );
  assert.equal(calls, 1);
});

test('sleep: resolves true after the time, false at once when aborted before or during the wait', async () => {
  assert.equal(await sleep(1), true);
  assert.equal(await sleep(0), true);
  const aborted = new AbortController();
  aborted.abort();
  assert.equal(await sleep(60_000, aborted.signal), false, 'already aborted: no wait');
  const abort = new AbortController();
  const pending = sleep(60_000, abort.signal);
  abort.abort(new Error('never thrown'));
  assert.equal(await pending, false, 'aborted during the wait: resolves, never rejects');
});
