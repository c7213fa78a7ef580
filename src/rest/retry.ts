// The retry policy of HTTP calls: the retry module's attempts and jittered backoff; the wait honours Retry-After.
import { backoffMs, retry, sleep } from '../retry.js';
import { RestError } from './errors.js';

export interface RetryPolicy {
  /** retries after the first attempt (the seed: 3) */
  readonly retries: number;
  /** wait before retry n is backoffFactor * 2^(n-1) seconds, jittered (the seed: 2 → 2 s, 4 s, 8 s) */
  readonly backoffFactor: number;
  readonly retryStatuses: ReadonlySet<number>;
  /** a Retry-After longer than this is capped, so one header cannot stall a run for hours */
  readonly maxRetryAfterMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** in [0, 1); injected in tests */
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

/** The wait before retry number `retry` (1-based). Equal jitter: half fixed, half random, never zero. */
export function backoffDelayMs(policy: RetryPolicy, retry: number, error: RestError): number {
  const retryAfter = error.context.retryAfterMs;
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxRetryAfterMs);
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
