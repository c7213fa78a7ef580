// The retry policy of HTTP calls: the retry module's attempts and jittered backoff; the wait honours Retry-After.
import { backoffMs, retry, sleep } from '../retry.js';
import { RestError } from './errors.js';

/** How a REST request is retried; `produce({ retry })` takes any subset, the rest keep these defaults. */
export interface RetryPolicy {
  /**
   * retries after the first attempt
   * @default 3
   */
  readonly retries: number;
  /**
   * wait before retry n is backoffFactor * 2^(n-1) seconds, jittered (2 → 2 s, 4 s, 8 s); a Retry-After wins
   * @default 2 (seconds)
   */
  readonly backoffFactor: number;
  /**
   * HTTP statuses retried; any other error status fails the resource at once
   * @default 429, 500, 502, 503, 504
   */
  readonly retryStatuses: ReadonlySet<number>;
  /**
   * the longest wait a server may ask for (Retry-After, a rate-limit reset), in milliseconds; a longer one fails
   * the request with RETRY_AFTER_TOO_LONG instead of stalling the run or retrying too early
   * @default 120000 (2 minutes)
   */
  readonly maxRetryAfterMs: number;
  /**
   * waits `ms` milliseconds, rejecting when `signal` aborts; injected in tests
   * @default an abortable timer (src/retry.ts)
   */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * in [0, 1); injected in tests
   * @default Math.random
   */
  readonly random: () => number;
}

export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: RestError;
}

export const DEFAULT_RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export function defaultRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    retries: 3,
    backoffFactor: 2,
    retryStatuses: DEFAULT_RETRY_STATUSES,
    maxRetryAfterMs: 120_000,
    sleep: sleepMs,
    random: Math.random,
    ...overrides,
  };
}

/**
 * The wait before retry number `retry` (1-based). Equal jitter: half fixed, half random, never zero. A usable
 * Retry-After (see retry-after.ts) is honoured as the server wrote it, but never below the backoff's floor, the
 * fixed half of the first step (backoffFactor × 500 ms: 1 s at the defaults), so no header makes retries fire
 * back to back; an unusable one (0, negative, past, garbage) leaves the plain backoff. A wait beyond
 * maxRetryAfterMs never gets here: the client fails the request with RETRY_AFTER_TOO_LONG instead; the cap
 * below only guards direct callers.
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, error: RestError): number {
  const retryAfter = error.context.retryAfterMs;
  if (retryAfter !== undefined)
    return Math.min(Math.max(retryAfter, policy.backoffFactor * 500), policy.maxRetryAfterMs);
  return backoffMs({ initialMs: policy.backoffFactor * 1000, maxMs: Infinity }, retry, policy.random);
}

export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal | undefined; onRetry?: ((event: RetryEvent) => void) | undefined } = {},
): Promise<T> {
  let attempts = 0;
  try {
    return await retry(
      () => {
        attempts++;
        return attempt();
      },
      {
        retries: policy.retries,
        // Only a classified REST failure marked retriable is tried again (a status, a timeout, a reset).
        shouldRetry: (error) => error instanceof RestError && error.retriable,
        delayMs: (n, error) => backoffDelayMs(policy, n, error as RestError),
        sleep: policy.sleep,
        signal: options.signal,
        onRetry: ({ retry: n, delayMs, error }) =>
          options.onRetry?.({ attempt: n, delayMs, error: error as RestError }),
      },
    );
  } catch (error) {
    if (error instanceof RestError && error.retriable) throw error.withAttempts(attempts);
    throw error;
  }
}

/**
 * The REST layer's wait (the retry module's `sleep`), rejecting with `signal.reason` on abort: a page
 * request or a rate-limit wait that is told to stop must not go on to send its request.
 */
export async function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  if (!(await sleep(ms, signal))) signal?.throwIfAborted();
}
