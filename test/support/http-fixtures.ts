// Serves a test/fixtures/http/<case>/responses.json: scripted answers per route, in order, the last one
// repeating, with the raw request line of every request kept for byte-for-byte checks.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startServer, type TestServer } from './http-server.js';

interface FixtureResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
  readonly raw?: string;
  readonly text?: string;
  readonly gzip?: boolean;
  readonly bom?: boolean;
}

interface FixtureRoute {
  readonly method?: string;
  readonly path: string;
  readonly query?: Record<string, string | null>;
  readonly body?: Record<string, unknown>;
  readonly sequence: readonly FixtureResponse[];
}

export interface FixtureServer extends TestServer {
  /** `METHOD target` of every request, the target exactly as sent */
  readonly log: string[];
  /** every route's sequence starts over, and the log empties */
  reset(): void;
}

export async function serveFixture(file: string): Promise<FixtureServer> {
  const { routes } = JSON.parse(readFileSync(file, 'utf8')) as { routes: FixtureRoute[] };
  const served = routes.map(() => 0);
  const log: string[] = [];
  let base = '';
  const server = await startServer((req, res, url) => {
    log.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const index = routes.findIndex((r) => matches(r, req.method ?? 'GET', url, body));
      const route = routes[index];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"no route"}');
        return;
      }
      const answer = route.sequence[Math.min(served[index]!++, route.sequence.length - 1)] as FixtureResponse;
      let payload: Buffer | undefined;
      const content = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.raw ?? answer.text);
      if (content !== undefined) payload = Buffer.from(content.replaceAll('{{base}}', base));
      const headers: Record<string, string> = {
        ...(answer.json !== undefined || answer.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...answer.headers,
      };
      if (payload && answer.bom) payload = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), payload]);
      if (payload && answer.gzip) {
        payload = gzipSync(payload);
        headers['content-encoding'] = 'gzip';
      }
      res.writeHead(answer.status ?? 200, headers);
      res.end(payload);
    });
  });
  base = server.url;
  const reset = (): void => {
    served.fill(0);
    log.length = 0;
  };
  return Object.assign(server, { log, reset });
}

function matches(route: FixtureRoute, method: string, url: URL, body: Record<string, unknown>): boolean {
  if ((route.method ?? 'GET') !== method || route.path !== url.pathname) return false;
  for (const [name, value] of Object.entries(route.query ?? {})) if (url.searchParams.get(name) !== value) return false;
  for (const [key, value] of Object.entries(route.body ?? {}))
    if (JSON.stringify(body[key]) !== JSON.stringify(value)) return false;
  return true;
}
