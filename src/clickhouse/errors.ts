// ClickHouse's answers to a failed statement, classified in one place: the rows are wrong (no retry can
// help: isolate and dead-letter them), the table is gone (create it again, then retry), or the server is
// down, slow or overloaded (an outage: wait and retry, offsets stay uncommitted).
// Codes: https://github.com/ClickHouse/ClickHouse/blob/master/src/Common/ErrorCodes.cpp

/** What a ClickHouse failure means for the rows of an insert. */
export type ClickHouseFailure = 'rejected-rows' | 'missing-table' | 'outage';

/**
 * Codes that blame the rows, not the server: parsing, type and range errors. Bisecting the insert finds
 * the rows, which are dead-lettered with the server's message.
 */
const REJECTED_ROWS: ReadonlyMap<string, string> = new Map([
  ['6', 'CANNOT_PARSE_TEXT'],
  ['26', 'CANNOT_PARSE_QUOTED_STRING'],
  ['27', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  ['32', 'ATTEMPT_TO_READ_AFTER_EOF'],
  ['38', 'CANNOT_PARSE_DATE'],
  ['41', 'CANNOT_PARSE_DATETIME'],
  ['53', 'TYPE_MISMATCH'],
  ['69', 'ARGUMENT_OUT_OF_BOUND'],
  ['70', 'CANNOT_CONVERT_TYPE'],
  ['72', 'CANNOT_PARSE_NUMBER'],
  ['117', 'INCORRECT_DATA'],
  ['131', 'TOO_LARGE_STRING_SIZE'],
  ['321', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  ['349', 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  ['467', 'CANNOT_PARSE_BOOL'],
  ['691', 'UNKNOWN_ELEMENT_OF_ENUM'],
  // the Avro reader's own complaints about a body (the consumer's byte path): a negative length, a bad branch
  ['748', 'AVRO_EXCEPTION'],
]);

/** Codes after which the table is created again before the next attempt (someone dropped it). */
const MISSING_TABLE: ReadonlyMap<string, string> = new Map([
  ['60', 'UNKNOWN_TABLE'],
  ['81', 'UNKNOWN_DATABASE'],
]);

/**
 * Everything else is an outage and retried with backoff: connection refused or reset, timeouts, and server
 * exceptions such as TOO_MANY_PARTS (252), MEMORY_LIMIT_EXCEEDED (241), TIMEOUT_EXCEEDED (159),
 * TOO_MANY_SIMULTANEOUS_QUERIES (202), TABLE_IS_READ_ONLY (242). A SYNTAX_ERROR (62) or an unknown column
 * (16) on our own statement is retried too: the rows are not at fault, and the outage is logged at error
 * level once, with partitions paused and offsets uncommitted, until someone fixes the table.
 */
export function classifyClickHouseError(error: unknown): ClickHouseFailure {
  const code = clickhouseErrorCode(error);
  if (code !== undefined && REJECTED_ROWS.has(code)) return 'rejected-rows';
  if (code !== undefined && MISSING_TABLE.has(code)) return 'missing-table';
  return 'outage';
}

/** The server's numeric exception code (as the client reports it, a decimal string), if the server answered. */
export function clickhouseErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^\d+$/.test(code) ? code : undefined;
}

export function isRejectedData(error: unknown): boolean {
  return classifyClickHouseError(error) === 'rejected-rows';
}

export function isMissingTable(error: unknown): boolean {
  return classifyClickHouseError(error) === 'missing-table';
}

/** A ClickHouse exception (the server answered and refused), as opposed to a connection failure. */
export function isServerRefusal(error: unknown): boolean {
  return typeof (error as { type?: unknown } | null)?.type === 'string' && clickhouseErrorCode(error) !== undefined;
}
