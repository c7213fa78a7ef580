// Every REST failure is classified once, here, into a stable `code` and a `retriable` flag.
import { StreamtapError, type ErrorCode } from '../errors.js';

/** The codes of REST failures, a part of the project's `ErrorCode` list. */
export type RestErrorCode = Extract<
  ErrorCode,
  | 'HTTP_STATUS'
  | 'HTTP_TIMEOUT'
  | 'HTTP_NETWORK'
  | 'RESPONSE_TOO_LARGE'
  | 'BODY_NOT_JSON'
  | 'BODY_TRUNCATED'
  | 'RETRY_AFTER_TOO_LONG'
  | 'SELECTOR_NO_LIST'
  | 'CURSOR_LOOP'
  | 'PAGINATOR_INVALID'
  | 'MAX_PAGES'
  | 'AUTH_TOKEN_FAILED'
  | 'PARENT_FIELD_MISSING'
  | 'INCREMENTAL_CURSOR_INVALID'
  | 'PROCESSING_STEP_FAILED'
  | 'RESPONSE_ACTION'
>;

export interface RestErrorContext {
  readonly resource: string;
  /** the request URL with secrets removed */
  readonly url: string;
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly attempts?: number | undefined;
}

export class RestError extends StreamtapError {
  constructor(
    override readonly code: RestErrorCode,
    message: string,
    retriable: boolean,
    readonly context: RestErrorContext,
    options?: { cause?: unknown },
  ) {
    const where = `resource "${context.resource}", ${context.url}${context.status === undefined ? '' : `, HTTP ${context.status}`}`;
    super(`${message} (${where})`, { ...options, retriable });
    this.name = 'RestError';
  }

  withAttempts(attempts: number): RestError {
    const message = this.message.slice(0, this.message.lastIndexOf(' ('));
    return new RestError(
      this.code,
      `${message}; gave up after ${attempts} attempts`,
      false,
      { ...this.context, attempts },
      {
        cause: this,
      },
    );
  }
}

const SECRET_PARAM = /(key|token|secret|password|passwd|pwd|signature|sig|auth|credential)/i;

/** A URL safe for logs and errors: no userinfo, secret-looking query values masked. */
export function redactUrl(url: URL | string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) u.searchParams.set(name, '***');
  }
  return u.toString();
}

/**
 * Removes known secret values (tokens, keys, passwords) from text. A value shorter than 4 characters is
 * not searched for: it would mask innocent text and protects nothing.
 */
export class SecretRedactor {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= 4) {
      this.values.add(value);
      this.values.add(encodeURIComponent(value));
    }
  }

  redact(text: string): string {
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('***');
    return out;
  }

  /** The same error with secrets removed from its message and URL; other errors pass through. */
  redactError<E>(error: E): E {
    if (!(error instanceof RestError) || this.values.size === 0) return error;
    const message = this.redact(error.message);
    const url = this.redact(error.context.url);
    const cause = error.cause instanceof RestError ? this.redactError(error.cause) : error.cause;
    if (message === error.message && url === error.context.url && cause === error.cause) return error;
    const clean = Object.create(RestError.prototype) as RestError;
    Object.assign(clean, error, {
      message,
      context: { ...error.context, url },
      stack: this.redact(error.stack ?? ''),
      cause,
    });
    return clean as E;
  }
}
