// Backoff, an abortable sleep, and retries for every layer that talks to something that can be down: REST
// pages, ClickHouse inserts, Kafka admin calls. A leaf: it imports nothing of the project, so each layer
// decides what is worth another attempt and this module decides only how and when to try again.
import pRetry, { AbortError } from 'p-retry';

/** A doubling wait with a cap, both in milliseconds and both before jitter. */
export interface Backoff {
  /** the wait before the first retry */
  readonly initialMs: number;
  /** the longest wait; `Infinity` for none */
  readonly maxMs: number;
}

/**
 * The wait before retry number `retry` (1-based), in ms: base = min(maxMs, initialMs · 2^(retry−1)), then
 * equal jitter, base/2 + random · base/2, so the wait lies in [base/2, base]: never zero (callers that
 * retry together spread out without one of them hammering at once) and never above the cap.
 * Source: "Exponential Backoff And Jitter", AWS Architecture Blog (Marc Brooker, 2015), "Equal Jitter".
 * `random` returns a number in [0, 1); injected in tests.
 */
export function backoffMs(backoff: Backoff, retry: number, random: () => number = Math.random): number {
  // The exponent is capped so a long outage cannot overflow to Infinity before the cap applies.
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(retry, 1) - 1, 30));
  return Math.round(base / 2 + (base / 2) * random());
}

/**
 * Waits `ms` milliseconds, or less when `signal` aborts. Resolves `true` when the full time passed and
 * `false` when the signal aborted, before or during the wait; never rejects. A stop request is not a
 * failure: a retry loop turns `false` into `signal.reason` (see `retry`), a scheduler or a consumer loop
 * simply returns. The timer is cleared and the listener removed either way, so nothing leaks.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (!(ms > 0)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A bug in our code, not an outage: another attempt runs the same code and fails the same way, so it is
 * never retried (kafkajs' retrier makes the same choice). The built-in error classes JavaScript throws
 * for a wrong program: TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError.
 */
export function isProgrammingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof EvalError ||
    error instanceof URIError
  );
}

/** An error that says another attempt may succeed: `retriable: true`, as streamtap's and kafkajs' errors carry. */
export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}

export interface RetryEvent {
  /** the retry about to be made, 1-based */
  readonly retry: number;
  /** the wait before it, in ms */
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  /** retries after the first attempt; `Infinity` for as long as the errors are retriable */
  readonly retries: number;
  /** the wait before retry number `retry` (1-based), in ms; e.g. `(n) => backoffMs(backoff, n)` */
  readonly delayMs: (retry: number, error: unknown) => number;
  /** whether `error` is worth another attempt; default `isRetriable`. Programming errors never are. */
  readonly shouldRetry?: ((error: unknown) => boolean) | undefined;
  /** stops the retries: an abort during an attempt or a wait rejects with `signal.reason` */
  readonly signal?: AbortSignal | undefined;
  /** the wait; default `sleep`. Injected in tests, which then need no timers. */
  readonly sleep?: ((ms: number, signal?: AbortSignal) => Promise<unknown>) | undefined;
  /** called before each wait, e.g. to log or count the retry */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

/**
 * Runs `attempt` until it resolves, and retries it after a failure that `shouldRetry` accepts, waiting
 * `delayMs(retry)` first, at most `retries` times. Rejects with the last error (the same object, not a
 * wrapper), or with `signal.reason` once `signal` aborts. p-retry drives the attempts; its own timer stays
 * at zero so the wait is ours: injectable, and able to honour a server's `Retry-After` through `delayMs`.
 */
export async function retry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const shouldRetry = options.shouldRetry ?? isRetriable;
  const wait = options.sleep ?? sleep;
  const signal = options.signal;
  return pRetry(
    async (attemptNumber) => {
      try {
        return await attempt(attemptNumber);
      } catch (error) {
        if (isProgrammingError(error) || !shouldRetry(error)) throw new AbortError(error as Error);
        throw error;
      }
    },
    {
      retries: options.retries,
      minTimeout: 0,
      factor: 1,
      ...(signal ? { signal } : {}),
      shouldRetry: async ({ error, retriesConsumed }) => {
        const retryNumber = retriesConsumed + 1;
        const delayMs = options.delayMs(retryNumber, error);
        options.onRetry?.({ retry: retryNumber, delayMs, error });
        await wait(delayMs, signal);
        signal?.throwIfAborted();
        return true;
      },
    },
  );
}
