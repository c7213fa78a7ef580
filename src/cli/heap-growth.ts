// How far V8 lets the heap grow past what survived the last full collection before it collects again.
// Left to itself V8 picks a factor of up to 4 when collections are fast, so a producer with ~27 MB live
// peaked at ~100–116 MB of heap over a million records, and its RSS rose with the length of the run
// (docs/performance.md, "Issue 15, producer side"). A fixed factor keeps the footprint flat.
import v8 from 'node:v8';
import { ConfigError } from '../config/errors.js';

/** The environment variable (and `process.heap_growing_percent` in a settings file) that sets it. */
export const HEAP_GROWING_ENV = 'STREAMTAP_HEAP_GROWING_PERCENT';

/**
 * `streamtap produce`'s default, percent: a full collection once the heap is 1.5× what survived the last
 * one. Measured at 1M records (bench, produce stage): V8 heap peak 101 → 49 MB, process peak 299 → 246 MB,
 * CPU per record within noise (46 → 48 µs).
 */
export const PRODUCER_HEAP_GROWING_PERCENT = 50;

/**
 * The growing percent a setting asks for.
 * @param value the raw setting (`STREAMTAP_HEAP_GROWING_PERCENT`): an integer 0–300; `0` means V8's own
 *   heuristics; empty or absent means `fallback`
 * @param fallback the command's default (`PRODUCER_HEAP_GROWING_PERCENT` for produce, 0 for the others)
 * @returns the percent to apply, or 0 for V8's default
 * @throws ConfigError when the value is not an integer from 0 to 300
 */
export function heapGrowingPercent(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 300) {
    throw new ConfigError(HEAP_GROWING_ENV, [
      {
        path: 'process.heap_growing_percent',
        message: `${HEAP_GROWING_ENV}="${value}" is not an integer from 0 (V8's own heuristics) to 300 (percent of the live heap)`,
      },
    ]);
  }
  return n;
}

/**
 * Sets V8's heap growing factor to 1 + percent/100 for every isolate of this process (the flag is
 * process-wide and read at each full collection, so it also holds for worker threads). Call it once, early,
 * from a command's entry point; a library caller's process is never changed by streamtap itself.
 * @param percent from `heapGrowingPercent`; 0 leaves V8's heuristics in place
 */
export function applyHeapGrowingPercent(percent: number): void {
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
