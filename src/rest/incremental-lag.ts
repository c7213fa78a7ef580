// dlt's incremental `lag` (dlt/extract/incremental/lag.py): a run starts behind the saved last value by an
// attribution window, so records updated late are read again. Numbers move by `lag` units, ISO timestamps by
// `lag` seconds, ISO dates by `lag` days; backwards for last_value_func max, forwards for min; never past
// initial_value.
/** An incremental cursor's value: the API's string or number (a bigint cursor is refused at load). */
export type CursorValue = string | number;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The start value of a run with a saved last value and a lag.
 * @param lag seconds (timestamps), days (dates) or units (numbers); 0 changes nothing
 * @param initial the configured initial_value: the lagged value never crosses it
 * @throws Error when the last value is a string that is neither an ISO date nor a timestamp (as dlt raises)
 */
export function applyLag(
  lag: number,
  initial: CursorValue | undefined,
  last: CursorValue,
  func: 'max' | 'min',
): CursorValue {
  const sign = func === 'max' ? -1 : 1;
  const lagged = shift(last, sign * lag);
  if (initial === undefined) return lagged;
  const behind = func === 'max' ? compare(lagged, initial) < 0 : compare(lagged, initial) > 0;
  return behind ? initial : lagged;
}

function shift(value: CursorValue, by: number): CursorValue {
  if (typeof value === 'number') return Number.isInteger(value) ? Math.trunc(value + by) : value + by;
  if (DATE_ONLY.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + by);
    return d.toISOString().slice(0, 10);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`lag needs a number, an ISO date or an ISO timestamp cursor, got "${value}"`);
  const out = new Date(ms + by * 1000).toISOString();
  // keep the written precision: no milliseconds in, none out
  return /\.\d+/.test(value) ? out : out.replace(/\.\d{3}Z$/, 'Z');
}

function compare(a: CursorValue, b: CursorValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = typeof a === 'number' ? a : Date.parse(a);
  const y = typeof b === 'number' ? b : Date.parse(b);
  return x - y;
}
