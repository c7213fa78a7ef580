// Every REST failure is classified once, here, into a stable `code` and a `retriable` flag.

export type RestErrorCode =
  | 'HTTP_STATUS'
  | 'HTTP_TIMEOUT'
  | 'HTTP_NETWORK'
  | 'RESPONSE_TOO_LARGE'
  | 'BODY_NOT_JSON'
  | 'SELECTOR_NO_LIST'
  | 'CURSOR_LOOP'
  | 'MAX_PAGES';

export interface RestErrorContext {
  readonly resource: string;
  /** the request URL with secrets removed */
  readonly url: string;
  readonly status?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly attempts?: number | undefined;
}

export class RestError extends Error {
  constructor(
    readonly code: RestErrorCode,
    message: string,
    readonly retriable: boolean,
    readonly context: RestErrorContext,
    options?: { cause?: unknown },
  ) {
    const where = `resource "${context.resource}", ${context.url}${context.status === undefined ? '' : `, HTTP ${context.status}`}`;
    super(`${message} (${where})`, options);
    this.name = 'RestError';
  }

  withAttempts(attempts: number): RestError {
    const message = this.message.slice(0, this.message.lastIndexOf(' ('));
    return new RestError(this.code, `${message}; gave up after ${attempts} attempts`, false, { ...this.context, attempts }, {
      cause: this,
    });
  }
}

const SECRET_PARAM = /(key|token|secret|password|passwd|signature|sig|auth|credential)/i;

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

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
