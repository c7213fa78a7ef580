// The Kafka message key is the record's primary key: the value itself, or a JSON array when composite.
import { ErrorCode, StreamtapError } from '../errors.js';

export class MissingKeyError extends StreamtapError {
  readonly code = ErrorCode.MISSING_PRIMARY_KEY;
}

export function compileKeyOf(primaryKey: readonly string[]): (record: unknown) => string {
  const fields = [...primaryKey];
  const read = (record: unknown, field: string): string | number => {
    const value =
      record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[field] : undefined;
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    throw new MissingKeyError(
      `record has no usable primary key "${field}" (got ${value === undefined ? 'nothing' : JSON.stringify(value)})`,
    );
  };
  if (fields.length === 1) {
    const field = fields[0] as string;
    return (record) => String(read(record, field));
  }
  return (record) => JSON.stringify(fields.map((f) => read(record, f)));
}
