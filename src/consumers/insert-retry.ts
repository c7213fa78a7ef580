// What a consumer does when ClickHouse refuses an insert: wait and retry (the server is down, slow or
// overloaded), or give up on the rows (the server says the data itself is wrong, so no retry can help).
import type { Logger } from '../log.js';
import { backoffMs, sleep } from '../retry.js';

/** How a consumer waits between insert attempts while ClickHouse is unavailable; it retries until stopped. */
export interface InsertRetryPolicy {
  /**
   * first wait after a failed insert, in milliseconds
   * @default 250
   */
  readonly initialMs: number;
  /**
   * cap of the doubling wait, in milliseconds
   * @default 30000 (30 s)
   */
  readonly maxMs: number;
  /**
   * in [0, 1); injected in tests
   * @default Math.random
   */
  readonly random: () => number;
}

export const DEFAULT_INSERT_RETRY: InsertRetryPolicy = Object.freeze({
  initialMs: 250,
  maxMs: 30_000,
  random: Math.random,
});

export function insertRetryPolicy(overrides: Partial<InsertRetryPolicy> = {}): InsertRetryPolicy {
  const policy = { ...DEFAULT_INSERT_RETRY, ...overrides };
  if (!(policy.initialMs >= 0) || !(policy.maxMs >= policy.initialMs)) {
    throw new Error(
      `insert retry: need 0 <= initialMs <= maxMs, got initialMs=${policy.initialMs} maxMs=${policy.maxMs}`,
    );
  }
  return Object.freeze(policy);
}

/** Wait before retry `attempt` (1-based): doubling from initialMs, capped at maxMs, equal jitter (never zero). */
export function retryDelayMs(policy: InsertRetryPolicy, attempt: number): number {
  return backoffMs({ initialMs: policy.initialMs, maxMs: policy.maxMs }, attempt, policy.random);
}

/** Resolves after `ms` (to true), or early (to false) when `signal` aborts: the retry module's `sleep`. */
export const sleepUnlessAborted: (ms: number, signal: AbortSignal) => Promise<boolean> = sleep;

// Which ClickHouse failures blame the rows and which the server is decided in clickhouse/errors.ts.
export { isMissingTable, isRejectedData } from '../clickhouse/errors.js';

/** Logs an outage once when it starts and once when it ends, however many attempts and tables it spans. */
export class OutageLog {
  private since: number | undefined;
  private attempts = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.since !== undefined;
  }

  failed(table: string, error: Error): void {
    this.attempts++;
    if (this.since !== undefined) return;
    this.since = this.now();
    this.logger.error(
      { table, err: error },
      'ClickHouse insert failed; partitions paused, retrying with backoff, offsets stay uncommitted',
    );
  }

  recovered(table: string): void {
    if (this.since === undefined) return;
    this.logger.warn(
      { table, downMs: this.now() - this.since, failedAttempts: this.attempts },
      'ClickHouse accepts inserts again; partitions resumed',
    );
    this.since = undefined;
    this.attempts = 0;
  }
}
