// Inside one batch only the latest observation of a key matters: ReplacingMergeTree would keep just that
// one anyway, so the others are not worth inserting.

import { stringifyExact } from '../json/exact-json.js';

export interface Keyed<R> {
  readonly row: R;
  readonly key: string;
  readonly version: bigint;
}

/**
 * One row per key: the highest `_version`; on a tie the later one in offset order (a replayed message
 * carries the version it was produced with, so equal versions are the same observation).
 * Keeps the order of first appearance, which keeps inserts deterministic for a given batch.
 */
export function latestPerKey<R>(rows: readonly Keyed<R>[]): R[] {
  const best = new Map<string, Keyed<R>>();
  for (const candidate of rows) {
    const seen = best.get(candidate.key);
    if (!seen || candidate.version >= seen.version) best.set(candidate.key, candidate);
  }
  return [...best.values()].map((k) => k.row);
}

/** The key of a decoded record, as a string that is equal for equal key values (composite keys too). */
export function compileRecordKey(fields: readonly string[]): (record: Record<string, unknown>) => string {
  // No primary key: an append resource keeps every observation, so no two records share a key.
  if (fields.length === 0) {
    let n = 0;
    return () => `#${n++}`;
  }
  if (fields.length === 1) {
    const field = fields[0] as string;
    return (record) => String(record[field]);
  }
  return (record) => stringifyExact(fields.map((f) => record[f]));
}
