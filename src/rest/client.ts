// The REST client of one source, shared by its resources: base URL, headers, auth, rate limits, retries,
// response actions and JSON decoding. One request goes: rate limit → auth → HTTP → response actions →
// status check → JSON, inside the one retry layer; every error leaves with secrets redacted.
import { IgnoreResponse, type ResponseAction, type ResponseHook, type ResponseView } from '../config/schema.js';
import type { ResolvedSource } from '../config/source.js';
import type { SecretSources } from '../config/secrets.js';
import { createAuth, type Auth, type TokenFetcher } from './auth.js';
import { BodyError, decodeBodyText, escapedHead, parseJsonText } from './body.js';
import { RestError, SecretRedactor, redactUrl } from './errors.js';
import { parseRateLimit, parseRetryAfter } from './retry-after.js';
import { HttpClient, statusError, type HttpClientOptions, type HttpRequest, type HttpResponse } from './http-client.js';
import type { PageRequest, PageResponse } from './paginators/index.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { defaultRetryPolicy, withRetry, type RetryEvent, type RetryPolicy } from './retry.js';

export interface RestClientOptions {
  readonly secrets: SecretSources;
  readonly http?: HttpClientOptions;
  readonly retry?: Partial<RetryPolicy>;
  readonly onRetry?: (resource: string, event: RetryEvent) => void;
  readonly now?: () => number;
  /** overrides of the config's client.rate_limit (tests inject a clock and a sleep here) */
  readonly rateLimit?: Partial<RateLimitOptions>;
  /** renew oauth2 tokens this long before they expire (default 60 s) */
  readonly tokenRefreshMarginMs?: number;
}

export interface FetchedPage extends PageResponse {
  readonly bytes: number;
  /** a response action said `ignore`: no records, and this walk ends here (dlt's IgnoreResponseException) */
  readonly ignored?: boolean;
  /** 204, 205 or a 2xx with an empty body: no records, and nothing more to page through */
  readonly empty?: boolean;
}

export interface FetchOptions {
  readonly signal?: AbortSignal | undefined;
  readonly actions?: readonly ResponseAction[];
  /** endpoint-level headers, after client headers */
  readonly headers?: Readonly<Record<string, string>>;
}

export class RestClient {
  private readonly http: HttpClient;
  private readonly auth: Auth;
  private readonly authByResource = new Map<string, Auth>();
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  readonly limiter: RateLimiter;
  /** when the API's rate-limit headers said the quota is spent: no request before `until` (epoch ms) */
  private quotaPause: { until: number; source: string } | undefined;
  readonly redactor = new SecretRedactor();

  constructor(
    readonly source: ResolvedSource,
    private readonly options: RestClientOptions,
  ) {
    this.http = new HttpClient({
      timeoutMs: source.timeoutMs,
      maxResponseBytes: source.maxResponseBytes,
      ...options.http,
    });
    this.retry = defaultRetryPolicy(options.retry);
    this.now = options.now ?? Date.now;
    const authOptions = {
      secrets: options.secrets,
      redactor: this.redactor,
      fetchToken: this.fetchToken,
      now: this.now,
      refreshMarginMs: options.tokenRefreshMarginMs,
    };
    // Every secret resolves here, so a missing one fails before the first request.
    this.auth = createAuth(source.auth, authOptions);
    for (const r of source.resources)
      if (r.endpoint.auth) this.authByResource.set(r.name, createAuth(r.endpoint.auth, authOptions));
    this.limiter = new RateLimiter({
      requestsPerSecond: source.rateLimit?.requests_per_second,
      burst: source.rateLimit?.burst,
      maxConcurrency: source.rateLimit?.max_concurrency,
      now: this.now,
      sleep: this.retry.sleep,
      ...options.rateLimit,
    });
  }

  /** `base_url` joined with a path; an absolute http(s) path is used as it is. */
  url(path: string): URL {
    if (/^https?:\/\//i.test(path)) return new URL(path);
    return new URL(this.source.baseUrl + (path.startsWith('/') ? '' : '/') + path);
  }

  /** One page: rate-limited, authenticated, retried per the policy, then parsed as JSON. */
  async fetch(resource: string, page: PageRequest, options: FetchOptions | AbortSignal = {}): Promise<FetchedPage> {
    const opts: FetchOptions = options instanceof AbortSignal ? { signal: options } : options;
    const auth = this.authByResource.get(resource) ?? this.auth;
    try {
      return await withRetry(() => this.attempt(resource, page, auth, opts), this.retry, {
        signal: opts.signal,
        onRetry: (event) =>
          this.options.onRetry?.(resource, { ...event, error: this.redactor.redactError(event.error) }),
      });
    } catch (error) {
      throw this.redactor.redactError(error);
    }
  }

  private async attempt(resource: string, page: PageRequest, auth: Auth, opts: FetchOptions): Promise<FetchedPage> {
    try {
      return await this.attemptOnce(resource, page, auth, opts);
    } catch (error) {
      if (!(error instanceof RestError) || !error.retriable) throw error;
      const wait = error.context.retryAfterMs;
      if (wait === undefined || wait <= this.retry.maxRetryAfterMs) throw error;
      // Waiting less than the server asked would only earn another refusal; waiting longer stalls the run.
      throw new RestError(
        'RETRY_AFTER_TOO_LONG',
        `the server asked to wait ${seconds(wait)} (Retry-After) before retrying, more than the ${seconds(this.retry.maxRetryAfterMs)} a retry may wait; failing instead of waiting`,
        false,
        error.context,
        { cause: error },
      );
    }
  }

  /** Honours a spent quota announced by rate-limit headers before sending anything. */
  private async waitForQuota(resource: string, url: URL, signal: AbortSignal | undefined): Promise<void> {
    const pause = this.quotaPause;
    if (!pause) return;
    const wait = pause.until - this.now();
    if (wait <= 0) {
      if (this.quotaPause === pause) this.quotaPause = undefined;
      return;
    }
    if (wait > this.retry.maxRetryAfterMs) {
      throw new RestError(
        'RETRY_AFTER_TOO_LONG',
        `the API's quota is spent (${pause.source}) and resets in ${seconds(wait)}, more than the ${seconds(this.retry.maxRetryAfterMs)} a request may wait`,
        false,
        { resource, url: redactUrl(url) },
      );
    }
    this.limiter.waits.push(wait);
    await this.retry.sleep(wait, signal);
  }

  /** Reads rate-limit headers: a spent quota with a known reset pauses every request of this client until then. */
  private noteQuota(res: HttpResponse): void {
    const hint = parseRateLimit(res.headers, this.now());
    if (!hint || hint.remaining > 0 || hint.resetMs === undefined || hint.resetMs <= 0) return;
    const until = this.now() + hint.resetMs;
    if (!this.quotaPause || until > this.quotaPause.until) this.quotaPause = { until, source: hint.source };
  }

  private async attemptOnce(resource: string, page: PageRequest, auth: Auth, opts: FetchOptions): Promise<FetchedPage> {
    await this.waitForQuota(resource, page.url, opts.signal);
    const release = await this.limiter.acquire(opts.signal);
    try {
      let res: HttpResponse;
      let req: HttpRequest;
      // A 401 may only mean the token expired early: renew it once and try again at once, not after a backoff.
      for (let renewed = false; ; renewed = true) {
        const headers: Record<string, string> = {
          accept: 'application/json',
          'user-agent': 'streamtap/0.1',
          ...lower(this.source.headers),
          ...lower(opts.headers ?? {}),
        };
        if (page.json !== undefined) headers['content-type'] = 'application/json';
        else if (page.data instanceof URLSearchParams) headers['content-type'] = 'application/x-www-form-urlencoded';
        const url = new URL(page.url);
        await auth.apply({ url, headers }, opts.signal);
        req = {
          url,
          method: page.method,
          headers,
          body: page.json !== undefined ? JSON.stringify(page.json) : page.data?.toString(),
          resource,
          signal: opts.signal,
        };
        res = await this.http.send(req);
        this.noteQuota(res);
        if (res.status !== 401 || renewed || !auth.invalidate()) break;
      }
      return this.interpret(res, req, opts.actions ?? []);
    } finally {
      release();
    }
  }

  /** Response actions first (dlt runs its hooks before raise_for_status), then status, then JSON. */
  private interpret(res: HttpResponse, req: HttpRequest, actions: readonly ResponseAction[]): FetchedPage {
    let text: string;
    try {
      text = decodeBodyText(res.body, res.headers['content-type']);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      throw new RestError(error.code, error.message, error.retriable, context(req, res.status), { cause: error });
    }
    let view: ResponseView | undefined;
    const current = (): ResponseView => (view ??= { status: res.status, headers: res.headers, body: parseMaybe(text) });
    for (const action of actions) {
      const rule = typeof action === 'function' ? { action: [action] } : action;
      if (rule.status_code !== undefined && !statusMatches(rule.status_code, current().status)) continue;
      if (rule.content !== undefined && !(view ? bodyText(view.body) : text).includes(rule.content)) continue;
      const ignored = (): FetchedPage => ({
        status: current().status,
        headers: current().headers,
        body: null,
        bytes: res.body.length,
        ignored: true,
      });
      if (rule.action === 'ignore') return ignored();
      if (rule.action === 'retry') {
        throw new RestError(
          'RESPONSE_ACTION',
          `a response action marked this response for retry${rule.content ? ` (body contains ${JSON.stringify(rule.content)})` : ''}`,
          true,
          {
            resource: req.resource,
            url: redactUrl(req.url),
            status: current().status,
            retryAfterMs: parseRetryAfter(res.headers['retry-after'], this.now()),
          },
        );
      }
      try {
        for (const hook of Array.isArray(rule.action) ? rule.action : [rule.action as ResponseHook])
          view = hook(current()) ?? current();
      } catch (error) {
        if (error instanceof IgnoreResponse) return ignored();
        throw error;
      }
    }
    const status = view?.status ?? res.status;
    if (status < 200 || status >= 300) throw statusError({ ...res, status }, req, this.retry.retryStatuses, this.now());
    // RFC 9110 §15.3.5/§15.3.6: 204 and 205 carry no content; an empty 2xx body says the same in practice.
    if (!view && (status === 204 || status === 205 || text.trim() === ''))
      return { status, headers: res.headers, body: undefined, bytes: res.body.length, empty: true };
    // A hook may have replaced the body; one that left non-JSON text in place gets the same error as no hook.
    const body = view && view.body !== text ? view.body : parseJson(text, res.headers['content-type'], req, status);
    return { status, headers: view?.headers ?? res.headers, body, bytes: res.body.length };
  }

  /** oauth2 token requests: a form POST through the same transport and retry policy, but not the rate limit. */
  private readonly fetchToken: TokenFetcher = async (url, form, signal) => {
    const req: HttpRequest = {
      url,
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'streamtap/0.1',
      },
      body: form.toString(),
      resource: '(oauth2 token)',
      signal,
    };
    const res = await withRetry(
      async () => {
        const r = await this.http.send(req);
        if (this.retry.retryStatuses.has(r.status))
          throw statusError({ ...r, body: Buffer.alloc(0) }, req, this.retry.retryStatuses, this.now());
        return r;
      },
      this.retry,
      { signal },
    );
    return { status: res.status, body: parseMaybe(decodeBodyText(res.body, res.headers['content-type'])) };
  };

  close(): Promise<void> {
    return this.http.close();
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function lower(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function statusMatches(expected: number | string, status: number): boolean {
  if (typeof expected === 'number') return expected === status;
  return expected.endsWith('xx') ? String(status)[0] === expected[0] : Number(expected) === status;
}

/** The parse failed at the very end of the text: JSON that stopped mid-value, not JSON that is wrong. */
function endsEarly(text: string, message: string): boolean {
  if (text.trim() === '') return false;
  if (/unexpected end|unterminated string/i.test(message)) return true;
  const at = /at position (\d+)/.exec(message);
  return at !== null && Number(at[1]) >= text.trimEnd().length;
}

function context(req: HttpRequest, status: number) {
  return { resource: req.resource, url: redactUrl(req.url), status };
}

function parseMaybe(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch {
    return text;
  }
}

function bodyText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function parseJson(
  text: string,
  contentType: string | string[] | undefined,
  req: HttpRequest,
  status: number,
): unknown {
  try {
    return parseJsonText(text);
  } catch (error) {
    // JSON that stops mid-value arrived cut short (a chunked body whose connection dropped): worth another try.
    if (endsEarly(text, (error as Error).message))
      throw new RestError(
        'BODY_TRUNCATED',
        `response body ends in the middle of its JSON (${text.length} characters received)`,
        true,
        { resource: req.resource, url: redactUrl(req.url), status },
      );
    const looksHtml = /^\s*<(!doctype|html|head|body)/i.test(text) || /text\/html/i.test(String(contentType ?? ''));
    const what = looksHtml
      ? 'an HTML page (often a proxy error or login page served with 200)'
      : `not JSON (content-type ${String(contentType ?? 'none')}; ${(error as Error).message})`;
    // Escaped, so an invisible character (a stray BOM, a NUL) that broke the parse can be seen.
    throw new RestError('BODY_NOT_JSON', `response body is ${what}; it starts ${escapedHead(text)}`, false, {
      resource: req.resource,
      url: redactUrl(req.url),
      status,
    });
  }
}
