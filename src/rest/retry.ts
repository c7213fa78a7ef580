// One retry layer for HTTP calls: p-retry drives the attempts; the wait honours Retry-After.
import pRetry, { AbortError } from 'p-retry';
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
  const base = policy.backoffFactor * 1000 * 2 ** (retry - 1);
  return Math.round(base / 2 + (base / 2) * policy.random());
}

export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: RetryPolicy,
  options: { signal?: AbortSignal | undefined; onRetry?: ((event: RetryEvent) => void) | undefined } = {},
): Promise<T> {
  let attempts = 0;
  try {
    return await pRetry(
      async () => {
        attempts++;
        try {
          return await attempt();
        } catch (error) {
          // Programming errors and permanent failures are never retried.
          if (!(error instanceof RestError) || !error.retriable) throw new AbortError(error as Error);
          throw error;
        }
      },
      {
        retries: policy.retries,
        // p-retry's own timer stays at zero: the wait below knows about Retry-After and is injectable.
        minTimeout: 0,
        factor: 1,
        ...(options.signal ? { signal: options.signal } : {}),
        shouldRetry: async ({ error, retriesConsumed }) => {
          const restError = error as RestError;
          const delayMs = backoffDelayMs(policy, retriesConsumed + 1, restError);
          options.onRetry?.({ attempt: retriesConsumed + 1, delayMs, error: restError });
          await policy.sleep(delayMs, options.signal);
          return true;
        },
      },
    );
  } catch (error) {
    if (error instanceof RestError && error.retriable) throw error.withAttempts(attempts);
    throw error;
  }
}

export function sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
