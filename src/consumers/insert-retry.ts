// What a consumer does when ClickHouse refuses an insert: wait and retry (the server is down, slow or
// overloaded), or give up on the rows (the server says the data itself is wrong, so no retry can help).
import type { Logger } from '../log.js';
import { backoffMs, sleep } from '../retry.js';

export interface InsertRetryPolicy {
  /** first wait after a failed insert; default 250 ms */
  readonly initialMs: number;
  /** cap of the doubling wait; default 30 s */
  readonly maxMs: number;
  /** in [0, 1); injected in tests */
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

/**
 * ClickHouse error codes that blame the rows, not the server: parsing and type errors. Anything else
 * (connection refused, timeouts, TOO_MANY_PARTS, MEMORY_LIMIT_EXCEEDED, ...) is worth retrying.
 * https://github.com/ClickHouse/ClickHouse/blob/master/src/Common/ErrorCodes.cpp
 */
const REJECTED_DATA_CODES: ReadonlySet<string> = new Set([
  '6', // CANNOT_PARSE_TEXT
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  '349', // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  '467', // CANNOT_PARSE_BOOL
  '691', // UNKNOWN_ELEMENT_OF_ENUM
]);

/** Codes after which the table is created again before the next attempt (someone dropped it). */
const MISSING_TABLE_CODES: ReadonlySet<string> = new Set(['60', '81']); // UNKNOWN_TABLE, UNKNOWN_DATABASE

function clickhouseCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^\d+$/.test(code) ? code : undefined;
}

export function isRejectedData(error: unknown): boolean {
  const code = clickhouseCode(error);
  return code !== undefined && REJECTED_DATA_CODES.has(code);
}

export function isMissingTable(error: unknown): boolean {
  const code = clickhouseCode(error);
  return code !== undefined && MISSING_TABLE_CODES.has(code);
}

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
