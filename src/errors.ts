// One error model: every error streamtap throws is a StreamtapError with a stable `code` from the list
// below, a `retriable` flag and a `name`. Codes are a contract: they appear in dead-letter headers
// (`streamtap.error.class`), in metrics labels and in logs, so a code is never renamed, only added.
// A leaf: imports nothing of the project, so every layer can throw these.

/** Every code streamtap's errors carry, grouped by where they arise. */
export const ErrorCode = {
  // The config, a secret, a schema file or the command line is wrong: a person must fix it (exit code 2).
  CONFIG_INVALID: 'CONFIG_INVALID',
  SECRET_MISSING: 'SECRET_MISSING',
  SCHEMA_MISSING: 'SCHEMA_MISSING',
  QUERY_REFUSED: 'QUERY_REFUSED',
  TEMPLATE_INVALID: 'TEMPLATE_INVALID',
  TEMPLATE_VALUE_MISSING: 'TEMPLATE_VALUE_MISSING',
  JSON_PATH_INVALID: 'JSON_PATH_INVALID',
  STOP_CONDITION_INVALID: 'STOP_CONDITION_INVALID',
  BATCH_POLICY: 'BATCH_POLICY',
  /** a field name dlt's snake_case rule cannot turn into an Avro name (src/avro/names.ts) */
  UNMAPPABLE_NAME: 'UNMAPPABLE_NAME',
  /** a config primary_key that is no field of the resource's schema */
  PRIMARY_KEY_FIELD: 'PRIMARY_KEY_FIELD',

  // Extraction from a REST API (classified once in rest/errors.ts and rest/paginators).
  HTTP_STATUS: 'HTTP_STATUS',
  HTTP_TIMEOUT: 'HTTP_TIMEOUT',
  HTTP_NETWORK: 'HTTP_NETWORK',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  BODY_NOT_JSON: 'BODY_NOT_JSON',
  /** the body ended before it was complete (Content-Length not met, a compressed or JSON stream cut off) */
  BODY_TRUNCATED: 'BODY_TRUNCATED',
  /** the server asked for a wait (Retry-After, rate-limit reset) longer than the retry budget allows */
  RETRY_AFTER_TOO_LONG: 'RETRY_AFTER_TOO_LONG',
  SELECTOR_NO_LIST: 'SELECTOR_NO_LIST',
  CURSOR_LOOP: 'CURSOR_LOOP',
  PAGINATOR_INVALID: 'PAGINATOR_INVALID',
  MAX_PAGES: 'MAX_PAGES',
  AUTH_TOKEN_FAILED: 'AUTH_TOKEN_FAILED',
  PARENT_FIELD_MISSING: 'PARENT_FIELD_MISSING',
  INCREMENTAL_CURSOR_INVALID: 'INCREMENTAL_CURSOR_INVALID',
  PROCESSING_STEP_FAILED: 'PROCESSING_STEP_FAILED',
  RESPONSE_ACTION: 'RESPONSE_ACTION',
  CHANNEL_CLOSED: 'CHANNEL_CLOSED',

  // A record that cannot be represented: refused by the producer or dead-lettered by the consumer.
  MISSING_PRIMARY_KEY: 'MISSING_PRIMARY_KEY',
  RECORD_SHAPE: 'RECORD_SHAPE',
  /** a record the resource's `schema_contract` refuses (`freeze`, `discard_row`: src/avro/schema-contract.ts) */
  SCHEMA_CONTRACT: 'SCHEMA_CONTRACT',
  /** internal: a record has fields to add to its schema (`schema_contract` columns `evolve`); the producer does it */
  SCHEMA_COLUMNS_EVOLVE: 'SCHEMA_COLUMNS_EVOLVE',
  /** a record whose Kafka message is over its topic's max.message.bytes (src/kafka/message-size.ts) */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  AVRO_DECODE: 'AVRO_DECODE',
  /** internal: the compiled Avro writer does not mirror this schema or value; the generic path takes it */
  AVRO_WRITER_UNSUPPORTED: 'AVRO_WRITER_UNSUPPORTED',
  EMPTY_MESSAGE: 'EMPTY_MESSAGE',
  SCHEMA_MISMATCH: 'SCHEMA_MISMATCH',
  ROW_MAPPING: 'ROW_MAPPING',
  CLICKHOUSE_REJECTED: 'CLICKHOUSE_REJECTED',

  // Schemas and stores.
  SCHEMA_INCOMPATIBLE: 'SCHEMA_INCOMPATIBLE',
  SCHEMA_HISTORY: 'SCHEMA_HISTORY',
  SCHEMA_REGISTRY: 'SCHEMA_REGISTRY',
  STATE_LOAD_FAILED: 'STATE_LOAD_FAILED',
  BAD_RUN_COMPLETION: 'BAD_RUN_COMPLETION',
  CLICKHOUSE_LOCKED: 'CLICKHOUSE_LOCKED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The base of every error streamtap throws. `code`: stable, from `ErrorCode`. `retriable`: another
 * attempt may succeed (an outage, a 503), as opposed to a failure that repeats (a 404, a bad config);
 * false unless the thrower says so. `name`: the class name, unless a subclass sets another.
 */
export abstract class StreamtapError extends Error {
  abstract readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(message: string, options: { readonly cause?: unknown; readonly retriable?: boolean } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** The code of a streamtap error; undefined for any other value (a library's error, a TypeError). */
export function errorCode(error: unknown): ErrorCode | undefined {
  return error instanceof StreamtapError ? error.code : undefined;
}

/**
 * Codes that mean a person must change the config, a secret, a schema file or the command line: no
 * retry and no later tick can fix them. The CLI exits 2 on them; a scheduled producer stops on them.
 */
const NEEDS_A_FIX: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.CONFIG_INVALID,
  ErrorCode.SECRET_MISSING,
  ErrorCode.SCHEMA_MISSING,
  ErrorCode.QUERY_REFUSED,
  ErrorCode.TEMPLATE_INVALID,
  ErrorCode.JSON_PATH_INVALID,
  ErrorCode.STOP_CONDITION_INVALID,
  ErrorCode.BATCH_POLICY,
  ErrorCode.UNMAPPABLE_NAME,
  ErrorCode.PRIMARY_KEY_FIELD,
]);

export interface FailureClass {
  /** the process exit code: 2 when the config, a secret, a schema or the command is wrong, else 1 */
  readonly exitCode: 1 | 2;
  /** true when trying again (the next scheduled cycle) cannot help, so a schedule stops */
  readonly permanent: boolean;
}

/**
 * The one place that decides, from an error's `code`, the CLI's exit code and whether a failure is
 * permanent (stop, even on a schedule) or transient (log it, try again at the next tick). Exit codes are
 * the README's: 0 success, 1 a resource or stage failed, 2 the config, a secret, a schema or the command
 * line is wrong. An error without a streamtap code is a failure of a stage: 1, transient.
 */
export function classifyFailure(error: unknown): FailureClass {
  const code = errorCode(error);
  const permanent = code !== undefined && NEEDS_A_FIX.has(code);
  return { exitCode: permanent ? 2 : 1, permanent };
}
