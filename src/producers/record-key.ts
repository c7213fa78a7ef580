// The Kafka message key is the record's primary key: the value itself, or a JSON array when composite.
// An integer beyond 2^53 arrives as a bigint (json/exact-json.ts) and keys as its exact digits, so two ids
// that a double would round together stay two keys.
import { stringifyExact } from '../json/exact-json.js';
import { ErrorCode, StreamtapError } from '../errors.js';
// A resource without a primary key (dlt's default: append) is keyed by a hash of the record's content: the key
// spreads records over partitions, and an identical record re-sent lands on the same partition.
import { createHash } from 'node:crypto';

export class MissingKeyError extends StreamtapError {
  readonly code = ErrorCode.MISSING_PRIMARY_KEY;
}

/** `primaryKey` empty: the first 32 hex digits of the SHA-256 of the record's JSON. */
export function compileKeyOf(primaryKey: readonly string[]): (record: unknown) => string {
  const fields = [...primaryKey];
  if (fields.length === 0) return contentKey;
  const read = (record: unknown, field: string): string | number | bigint => {
    const value =
      record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[field] : undefined;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'bigint') return value;
    throw new MissingKeyError(
      `record has no usable primary key "${field}" (got ${value === undefined ? 'nothing' : stringifyExact(value)})`,
    );
  };
  if (fields.length === 1) {
    const field = fields[0] as string;
    return (record) => String(read(record, field));
  }
  return (record) => stringifyExact(fields.map((f) => read(record, f)));
}

function contentKey(record: unknown): string {
  const json = JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  return createHash('sha256').update(json).digest('hex').slice(0, 32);
}
