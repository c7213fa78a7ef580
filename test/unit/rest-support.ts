// Test support for the REST layer: a real node:http server on port 0 that records every request
// (method, URL, headers, body), and shortcuts to build a source and a client from a dlt-style dict.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { parseSourceConfig } from '../../src/config/load.js';
import type { ResolvedSource } from '../../src/config/source.js';
import { RestClient, type RestClientOptions } from '../../src/rest/client.js';
import { extractPages, type ExtractOptions } from '../../src/rest/extract.js';
import type { ExtractedPage } from '../../src/rest/walk.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: URL;
  /** the request target exactly as it came on the request line, for byte-for-byte checks */
  readonly rawUrl: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** the body parsed as JSON, or undefined */
  readonly json: unknown;
}

export type RouteHandler = (req: SeenRequest, res: ServerResponse) => void | Promise<void>;

export interface RecordingServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** requests being answered right now, and the most at once */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

const open: RecordingServer[] = [];
after(() => Promise.all(open.splice(0).map((s) => s.close())));

export async function startRecorder(handler: RouteHandler): Promise<RecordingServer> {
  const state = { inFlight: 0, maxInFlight: 0 };
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://localhost'),
        rawUrl: req.url ?? '/',
        headers: req.headers,
        body,
        json,
      };
      requests.push(seen);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      res.on('close', () => state.inFlight--);
      Promise.resolve(handler(seen, res)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const recorder: RecordingServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    get inFlight() {
      return state.inFlight;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } as RecordingServer;
  open.push(recorder);
  return recorder;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A source from a dlt-style dict; `client.base_url` defaults to the server's URL. */
export function sourceOf(raw: Record<string, unknown>, baseUrl: string): ResolvedSource {
  const client = { base_url: baseUrl, ...(raw.client as Record<string, unknown> | undefined) };
  return parseSourceConfig({ ...raw, client }, { name: 'test', origin: 'test', env: {} });
}

/** A client whose retries take no time and whose jitter is fixed. */
export function clientOf(
  source: ResolvedSource,
  options: Partial<RestClientOptions> & { env?: NodeJS.ProcessEnv; sleeps?: number[] } = {},
): RestClient {
  const sleeps = options.sleeps ?? [];
  const { env, sleeps: _s, ...rest } = options;
  const client = new RestClient(source, {
    secrets: { env: env ?? {} },
    http: { timeoutMs: 5_000 },
    ...rest,
    retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, ...rest.retry },
  });
  closers.push(() => client.close());
  return client;
}
const closers: (() => Promise<void>)[] = [];
after(() => Promise.all(closers.splice(0).map((c) => c())));

/** Every page of a resource, parents resolved. */
export async function pagesOf(
  client: RestClient,
  name: string,
  options: ExtractOptions = {},
): Promise<ExtractedPage[]> {
  const resource = client.source.resources.find((r) => r.name === name);
  if (!resource) throw new Error(`no resource ${name}`);
  const pages: ExtractedPage[] = [];
  for await (const page of extractPages(resource, client, options)) pages.push(page);
  return pages;
}

export async function recordsOf(client: RestClient, name: string, options: ExtractOptions = {}): Promise<unknown[]> {
  return (await pagesOf(client, name, options)).flatMap((p) => [...p.records]);
}

/** `ids(records)` → the `id` field of each record. */
export function ids(records: readonly unknown[]): unknown[] {
  return records.map((r) => (r as { id?: unknown }).id);
}
