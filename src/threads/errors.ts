// Errors across a thread boundary. Structured cloning keeps only an Error's message and stack, not its
// class, `code` or `retriable`; the CLI's exit code and a schedule's stop-or-retry decision come from the
// code (src/errors.ts), so an error thrown on a worker is carried as plain fields and rebuilt as one that
// answers to the same checks.
import { StreamtapError, type ErrorCode } from '../errors.js';

/** An error as it travels in a message between threads. */
export interface ErrorPayload {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  /** a streamtap code when the error was a StreamtapError */
  readonly streamtapCode?: ErrorCode | undefined;
  readonly retriable?: boolean | undefined;
  /** other own fields that can be cloned (kafkajs's `type`, a REST error's `context`), kept as they were */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly cause?: ErrorPayload | undefined;
}

export function toErrorPayload(error: unknown, depth = 0): ErrorPayload {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    if (value === null || typeof value !== 'object') {
      if (typeof value !== 'function' && typeof value !== 'symbol') fields[key] = value;
      continue;
    }
    try {
      fields[key] = structuredClone(value);
    } catch {
      // a field holding a socket or a function stays behind; the message still says what happened
    }
  }
  const retriable = (error as { retriable?: unknown }).retriable;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    streamtapCode: error instanceof StreamtapError ? error.code : undefined,
    retriable: typeof retriable === 'boolean' ? retriable : undefined,
    fields,
    cause: error.cause !== undefined && depth < 5 ? toErrorPayload(error.cause, depth + 1) : undefined,
  };
}

/** A streamtap error rebuilt on this side of a thread boundary: same name, message, stack and code. */
export class ThreadedStreamtapError extends StreamtapError {
  readonly code: ErrorCode;

  constructor(payload: ErrorPayload & { readonly streamtapCode: ErrorCode }) {
    super(payload.message, {
      retriable: payload.retriable ?? false,
      ...(payload.cause ? { cause: fromErrorPayload(payload.cause) } : {}),
    });
    this.code = payload.streamtapCode;
    this.name = payload.name;
  }
}

/** The error a payload describes: a StreamtapError with its code when it was one, else an Error with its fields. */
export function fromErrorPayload(payload: ErrorPayload): Error {
  const error: Error =
    payload.streamtapCode !== undefined
      ? new ThreadedStreamtapError({ ...payload, streamtapCode: payload.streamtapCode })
      : new Error(payload.message, payload.cause ? { cause: fromErrorPayload(payload.cause) } : undefined);
  error.name = payload.name;
  if (payload.stack !== undefined) error.stack = payload.stack;
  for (const [key, value] of Object.entries(payload.fields)) {
    if (key === 'code' && payload.streamtapCode !== undefined) continue;
    Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true });
  }
  if (payload.retriable !== undefined && payload.streamtapCode === undefined)
    Object.defineProperty(error, 'retriable', { value: payload.retriable, enumerable: true, writable: true });
  return error;
}
