// The REST client of one source: base URL, headers, auth, retries and JSON decoding, shared by its resources.
import type { ResolvedEndpoint, ResolvedSource } from '../config/source.js';
import type { SecretSources } from '../config/secrets.js';
import { createAuth, type Auth } from './auth.js';
import { RestError, redactUrl } from './errors.js';
import { HttpClient, statusError, type HttpClientOptions, type HttpRequest } from './http-client.js';
import type { PageRequest, PageResponse } from './paginators/index.js';
import { defaultRetryPolicy, withRetry, type RetryEvent, type RetryPolicy } from './retry.js';

export interface RestClientOptions {
  readonly secrets: SecretSources;
  readonly http?: HttpClientOptions;
  readonly retry?: Partial<RetryPolicy>;
  readonly onRetry?: (resource: string, event: RetryEvent) => void;
  readonly now?: () => number;
}

export interface FetchedPage extends PageResponse {
  readonly bytes: number;
}

export class RestClient {
  private readonly http: HttpClient;
  private readonly auth: Auth;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;

  constructor(
    readonly source: ResolvedSource,
    private readonly options: RestClientOptions,
  ) {
    this.auth = createAuth(source.auth, options.secrets);
    this.http = new HttpClient(options.http);
    this.retry = defaultRetryPolicy(options.retry);
    this.now = options.now ?? Date.now;
  }

  firstRequest(endpoint: ResolvedEndpoint): PageRequest {
    const url = new URL(this.source.baseUrl + (endpoint.path.startsWith('/') ? '' : '/') + endpoint.path);
    for (const [key, value] of Object.entries(endpoint.params)) {
      if (value !== null) url.searchParams.set(key, String(value));
    }
    return { url, method: endpoint.method };
  }

  /** One page: retried per the policy, then parsed as JSON. */
  async fetch(resource: string, page: PageRequest, signal?: AbortSignal): Promise<FetchedPage> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'streamtap/0.1', ...this.source.headers };
    this.auth.apply(headers);
    if (page.json !== undefined) headers['content-type'] = 'application/json';
    const req: HttpRequest = {
      url: page.url,
      method: page.method,
      headers,
      body: page.json === undefined ? undefined : JSON.stringify(page.json),
      resource,
      signal,
    };
    const res = await withRetry(
      async () => {
        const r = await this.http.send(req);
        if (r.status < 200 || r.status >= 300) throw statusError(r, req, this.retry.retryStatuses, this.now());
        return r;
      },
      this.retry,
      { signal, onRetry: (event) => this.options.onRetry?.(resource, event) },
    );
    return { status: res.status, headers: res.headers, body: parseJson(res.body, res.headers['content-type'], req, res.status), bytes: res.body.length };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

function parseJson(body: Buffer, contentType: string | string[] | undefined, req: HttpRequest, status: number): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    const head = text.trimStart().slice(0, 120).replace(/\s+/g, ' ');
    const looksHtml = /^<(!doctype|html|head|body)/i.test(head);
    const what = looksHtml ? 'an HTML page (often a proxy error or login page served with 200)' : `not JSON (content-type ${String(contentType ?? 'none')})`;
    throw new RestError('BODY_NOT_JSON', `response body is ${what}: ${JSON.stringify(head)}`, false, {
      resource: req.resource,
      url: redactUrl(req.url),
      status,
    });
  }
}
