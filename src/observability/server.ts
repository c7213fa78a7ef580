// The operations HTTP server of a producer or consumer process:
//   GET  /metrics  Prometheus text format
//   GET  /readyz   200 when Kafka (and ClickHouse, for consumers) answer now, else 503; JSON body per check
//   GET  /healthz  200 while the process works; 503 once a dependency has been unreachable for longer
//                  than `unhealthyAfterMs` (default 5 min), so an orchestrator restarts a wedged process
//                  but not one that merely waits out a short outage
//   POST /query    read-only SQL on the consumer's embedded ClickHouse: loopback clients with the token only
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';
import { checkReadOnly, QueryRefusedError, type QueryResult } from './query-endpoint.js';

export type Check = () => Promise<void>;

export interface OpsServerOptions {
  readonly port: number;
  readonly host: string;
  readonly metrics?: Metrics | undefined;
  readonly checks: Readonly<Record<string, Check>>;
  readonly query?: { readonly token: string; readonly run: (sql: string) => Promise<QueryResult> } | undefined;
  readonly logger: Logger;
  readonly checkTimeoutMs?: number;
  readonly unhealthyAfterMs?: number;
  readonly now?: () => number;
}

export interface OpsServer {
  /** http://host:port as a local client reaches it */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly error?: string;
}

const MAX_QUERY_BYTES = 1024 * 1024;

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const now = options.now ?? Date.now;
  const unhealthyAfter = options.unhealthyAfterMs ?? 5 * 60_000;
  const failingSince = new Map<string, number>();

  const runChecks = async (): Promise<Record<string, CheckResult>> => {
    const entries = await Promise.all(
      Object.entries(options.checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
        try {
          await withTimeout(
            check(),
            options.checkTimeoutMs ?? 3_000,
            `${name} did not answer within ${options.checkTimeoutMs ?? 3_000} ms`,
          );
          failingSince.delete(name);
          options.metrics?.dependencyUp.set({ dependency: name }, 1);
          return [name, { ok: true }];
        } catch (error) {
          if (!failingSince.has(name)) failingSince.set(name, now());
          options.metrics?.dependencyUp.set({ dependency: name }, 0);
          return [name, { ok: false, error: (error as Error).message }];
        }
      }),
    );
    return Object.fromEntries(entries);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/metrics' && options.metrics) {
      const text = await options.metrics.text();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(text);
    } else if (req.method === 'GET' && path === '/readyz') {
      const checks = await runChecks();
      const ok = Object.values(checks).every((c) => c.ok);
      json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks });
    } else if (req.method === 'GET' && path === '/healthz') {
      const checks = await runChecks();
      const stale = [...failingSince.entries()]
        .filter(([, since]) => now() - since > unhealthyAfter)
        .map(([name]) => name);
      json(res, stale.length === 0 ? 200 : 503, {
        status:
          stale.length === 0
            ? 'ok'
            : `unreachable for more than ${Math.round(unhealthyAfter / 1000)} s: ${stale.join(', ')}`,
        checks,
      });
    } else if (req.method === 'POST' && path === '/query' && options.query) {
      await serveQuery(req, res, options.query);
    } else {
      json(res, 404, { error: `no ${req.method} ${path} here; try /metrics, /healthz, /readyz` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      options.logger.warn({ err: error, path: req.url }, 'ops server request failed');
      if (!res.headersSent) json(res, 500, { error: error.message });
      else res.destroy();
    });
  });
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const reachable = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serveQuery(
  req: IncomingMessage,
  res: ServerResponse,
  query: NonNullable<OpsServerOptions['query']>,
): Promise<void> {
  const remote = req.socket.remoteAddress ?? '';
  if (!isLoopback(remote)) return json(res, 403, { error: 'queries are served to local clients only' });
  if (req.headers.authorization !== `Bearer ${query.token}`) return json(res, 401, { error: 'missing or wrong token' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_QUERY_BYTES) return json(res, 413, { error: 'query larger than 1 MiB' });
    chunks.push(chunk);
  }
  let sql: string;
  try {
    sql = checkReadOnly(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    if (error instanceof QueryRefusedError) return json(res, 400, { error: error.message, refused: true });
    throw error;
  }
  try {
    json(res, 200, await query.run(sql));
  } catch (error) {
    json(res, 400, { error: (error as Error).message });
  }
}

export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
