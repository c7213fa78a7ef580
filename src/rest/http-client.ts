// HTTP transport: one keep-alive undici Agent per source, a timeout per attempt, a cap on body size.
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { ACCEPT_ENCODING, BodyError, decodeContent } from './body.js';
import { RestError, redactUrl } from './errors.js';
import { parseRetryAfter } from './retry-after.js';

/** The HTTP client of REST extraction (undici). */
export interface HttpClientOptions {
  /**
   * max sockets per origin
   * @default 8
   */
  readonly connections?: number;
  /**
   * whole-attempt timeout in milliseconds: connect, headers and body
   * @default 30000 (30 s)
   */
  readonly timeoutMs?: number;
  /**
   * largest response body in bytes, after decoding; a larger one fails the request (RESPONSE_TOO_LARGE)
   * @default 67108864 (64 MiB)
   */
  readonly maxResponseBytes?: number;
  /**
   * an undici dispatcher to send through (a proxy, a mock); the caller closes it
   * @default an undici Agent owned and closed by the client
   */
  readonly dispatcher?: Dispatcher;
}

export interface HttpRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string | undefined;
  readonly resource: string;
  readonly signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** the body with its content coding undone (gzip, deflate, br) */
  readonly body: Buffer;
  /** bytes as they came over the wire, before decoding */
  readonly wireBytes: number;
}

/** redirects followed per request, as browsers and curl -L cap them */
const MAX_REDIRECTIONS = 5;

const RETRIABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export class HttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;

  constructor(options: HttpClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024 * 1024;
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connections ?? 8,
        keepAliveTimeout: 30_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        // A `Location` is requested as the server wrote it (undici keeps its path and query bytes), and
        // Authorization and cookies are dropped when it leads to another origin.
      }).compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  }

  /** One attempt. Non-2xx statuses are returned, not thrown: the caller knows which are retriable. */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = redactUrl(req.url);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const headers = { 'accept-encoding': ACCEPT_ENCODING, ...req.headers };
      const res = await request(req.url, {
        method: req.method,
        headers,
        body: req.body,
        dispatcher: this.dispatcher,
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.maxResponseBytes) {
          res.body.destroy();
          throw new RestError('RESPONSE_TOO_LARGE', `response body exceeds ${this.maxResponseBytes} bytes`, false, {
            resource: req.resource,
            url,
            status: res.statusCode,
          });
        }
        chunks.push(chunk);
      }
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      // Error statuses are decoded too: their snippet goes into the error message.
      const body = await decodeContent(raw, res.headers['content-encoding'], this.maxResponseBytes);
      return { status: res.statusCode, headers: res.headers, body, wireBytes: size };
    } catch (error) {
      if (error instanceof RestError) throw error;
      if (error instanceof BodyError)
        throw new RestError(
          error.code,
          error.message,
          error.retriable,
          { resource: req.resource, url },
          { cause: error },
        );
      if (req.signal?.aborted) throw error;
      if (timeout.aborted) {
        throw new RestError(
          'HTTP_TIMEOUT',
          `no complete response within ${this.timeoutMs} ms`,
          true,
          { resource: req.resource, url },
          { cause: error },
        );
      }
      const code = (error as { code?: string }).code ?? '';
      // The server closed the connection before sending the Content-Length it announced.
      if (
        code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' ||
        (code === 'UND_ERR_SOCKET' && /closed/i.test((error as Error).message))
      )
        throw new RestError(
          'BODY_TRUNCATED',
          `the response body ended before it was complete (${(error as Error).message})`,
          true,
          { resource: req.resource, url },
          { cause: error },
        );
      throw new RestError(
        'HTTP_NETWORK',
        `network error ${code || (error as Error).message}`,
        RETRIABLE_NETWORK.has(code),
        { resource: req.resource, url },
        {
          cause: error,
        },
      );
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/** Turns a non-2xx response into a RestError, retriable when the policy says so. */
export function statusError(
  res: HttpResponse,
  req: HttpRequest,
  retryStatuses: ReadonlySet<number>,
  now: number,
): RestError {
  const snippet = res.body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return new RestError(
    'HTTP_STATUS',
    `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    retryStatuses.has(res.status),
    {
      resource: req.resource,
      url: redactUrl(req.url),
      status: res.status,
      retryAfterMs: parseRetryAfter(res.headers['retry-after'], now),
    },
  );
}
