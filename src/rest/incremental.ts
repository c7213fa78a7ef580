// dlt's incremental loading for one resource and one run: the start value (saved state, else initial_value)
// goes out as a parameter or placeholder, records outside [start, end) are dropped, and the last value
// (max or min of the cursor field) is tracked. Saving it is someone else's job: only after Kafka acknowledged.
import { ErrorCode, StreamtapError } from '../errors.js';
import type { ResolvedIncremental } from '../config/source.js';
import { stringifyExact } from '../json/exact-json.js';
import { compilePath, formatSegments, MISSING, readPath } from '../expressions/json-path.js';
import { applyLag, type CursorValue } from './incremental-lag.js';

export type { CursorValue };

/** What survives a run, in the state topic. */
export interface IncrementalState {
  readonly lastValue: CursorValue;
  /** the cursor path it was tracked on: a changed config must not reuse an unrelated value */
  readonly cursorPath: string;
  readonly updatedAt: string;
  readonly runId?: string | undefined;
}

export class IncrementalCursorError extends StreamtapError {
  readonly code = ErrorCode.INCREMENTAL_CURSOR_INVALID;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Orders two cursor values: numbers by value, ISO 8601 timestamps by instant (so offsets and Z compare
 * right), other strings by code point. Different kinds do not compare: that is a config error in practice.
 */
export function compareCursor(a: CursorValue, b: CursorValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') {
    if (ISO_DATE.test(a) && ISO_DATE.test(b)) {
      const x = Date.parse(a);
      const y = Date.parse(b);
      if (!Number.isNaN(x) && !Number.isNaN(y) && x !== y) return x - y;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  // A number against a numeric string (an id sent as "42"): compare as numbers.
  const x = Number(a);
  const y = Number(b);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  throw new IncrementalCursorError(`cannot compare cursor values ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

/** stop: drop this record, and the API's row order says every later record would be dropped too */
export type RecordVerdict = 'keep' | 'drop' | 'stop';

export class IncrementalCursor {
  readonly startValue: CursorValue | undefined;
  private last: CursorValue | undefined;
  private readonly path;
  private readonly sign: 1 | -1;
  /** records seen without the cursor field (with on_cursor_value_missing: include/exclude) */
  missing = 0;

  constructor(
    readonly config: ResolvedIncremental,
    state: IncrementalState | undefined,
  ) {
    this.path = compilePath(config.cursorPath);
    this.sign = config.lastValueFunc === 'max' ? 1 : -1;
    const saved = state && state.cursorPath === formatSegments(this.path) ? state.lastValue : undefined;
    // An end_value makes a backfill of a fixed range: it starts at initial_value, whatever the state says (dlt).
    // A lag starts a later run behind the saved value (dlt turns lag off with an end_value).
    this.startValue =
      config.endValue !== undefined
        ? config.initialValue
        : saved !== undefined && config.lag
          ? applyLag(config.lag, config.initialValue, saved, config.lastValueFunc)
          : (saved ?? config.initialValue);
    // The last value only moves forward: a lagged start does not lower what is saved (dlt keeps it the same way).
    this.last = config.endValue === undefined ? (saved ?? this.startValue) : this.startValue;
  }

  get lastValue(): CursorValue | undefined {
    return this.last;
  }

  /** dlt saves no state for a run with end_value: backfills never move the incremental cursor. */
  get persists(): boolean {
    return this.config.endValue === undefined;
  }

  get cursorPath(): string {
    return formatSegments(this.path);
  }

  /** Values for `{incremental.*}` placeholders and start_param/end_param, after `convert`. */
  placeholder(key: string): unknown {
    const raw =
      key === 'start_value'
        ? this.startValue
        : key === 'initial_value'
          ? this.config.initialValue
          : key === 'end_value'
            ? this.config.endValue
            : key === 'last_value'
              ? this.last
              : undefined;
    // {incremental.lag} is the configured window, not a cursor value: convert does not apply
    if (key === 'lag') return this.config.lag ?? null;
    if (raw === undefined) return null;
    return this.config.convert ? this.config.convert(raw) : raw;
  }

  /** Decides on one record and tracks its cursor value when kept. */
  check(record: unknown): RecordVerdict {
    const value = readPath(record, this.path);
    if (value === MISSING || value === null || value === undefined) {
      if (this.config.onCursorValueMissing === 'raise') {
        const keys = record && typeof record === 'object' ? Object.keys(record).slice(0, 12).join(', ') : typeof record;
        throw new IncrementalCursorError(
          `a record has no incremental cursor "${this.cursorPath}" (fields: ${keys}); set on_cursor_value_missing to include or exclude`,
        );
      }
      this.missing++;
      return this.config.onCursorValueMissing === 'include' ? 'keep' : 'drop';
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new IncrementalCursorError(
        `incremental cursor "${this.cursorPath}" must be a string or a number, got ${stringifyExact(value).slice(0, 60)}`,
      );
    }
    // "ahead" is the direction last_value_func moves in: later for max, earlier for min.
    const ahead = (a: CursorValue, b: CursorValue): number => this.sign * compareCursor(a, b);
    const forward =
      this.config.rowOrder === undefined ? undefined : this.config.rowOrder === (this.sign === 1 ? 'asc' : 'desc');
    if (this.startValue !== undefined) {
      const c = ahead(value, this.startValue);
      if (c < 0 || (c === 0 && this.config.rangeStart === 'open')) return forward === false ? 'stop' : 'drop';
    }
    if (this.config.endValue !== undefined) {
      const c = ahead(value, this.config.endValue);
      if (c > 0 || (c === 0 && this.config.rangeEnd === 'open')) return forward === true ? 'stop' : 'drop';
    }
    if (this.last === undefined || ahead(value, this.last) > 0) this.last = value;
    return 'keep';
  }

  /** The state to save once every kept record is acknowledged; undefined when nothing should be saved. */
  state(runId?: string, now: () => number = Date.now): IncrementalState | undefined {
    if (!this.persists || this.last === undefined) return undefined;
    return { lastValue: this.last, cursorPath: this.cursorPath, updatedAt: new Date(now()).toISOString(), runId };
  }
}
