// The embedded ClickHouse belongs to one process. While a consumer holds it, `streamtap sql` and
// `streamtap status` query through that consumer instead: it serves read-only queries on a loopback
// HTTP endpoint and advertises the URL and a per-process token in <data-dir>/clickhouse.endpoint.json
// (mode 0600). The client side finds that file, checks the process is alive, and sends the query there.
import { ErrorCode, StreamtapError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { describeClickHouse, openClickHouse, type ClickHouseSettings } from '../clickhouse/client.js';

export interface QueryResult {
  readonly names: readonly string[];
  /** ClickHouse type of each column (`Int64`, `Nullable(Decimal(38, 3))`, …), in the order of `names` */
  readonly types?: readonly string[] | undefined;
  /** 64-bit and wider integers and decimals arrive as their exact text (strings), everything else as JSON */
  readonly rows: readonly (readonly unknown[])[];
}

/** What `sql` and `status` need from ClickHouse, wherever it is. */
export interface QueryClient {
  /** where the queries go, for messages */
  readonly via: string;
  query(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

export interface Advertisement {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

export class QueryRefusedError extends StreamtapError {
  readonly code = ErrorCode.QUERY_REFUSED;
}

export function endpointFile(settings: ClickHouseSettings): string {
  return `${settings.dataDir}.endpoint.json`;
}

const READ_ONLY_START = /^(select|with|show|describe|desc|explain|exists)\b/i;

/**
 * Only single read statements go through a running consumer's engine. Settings cannot make the shared
 * session read-only (chdb applies them with SET, for the whole session), so the statement is checked
 * here: comments stripped, one statement, starting with a read keyword.
 */
export function checkReadOnly(sql: string): string {
  const text = sql
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .trim()
    .replace(/;\s*$/, '')
    .trim();
  if (!READ_ONLY_START.test(text)) {
    throw new QueryRefusedError(
      'a running consumer answers read-only queries only (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS); stop it to run this statement',
    );
  }
  if (text.includes(';')) throw new QueryRefusedError('one statement at a time, please (no ";" inside the query)');
  return text;
}

export async function runQuery(client: ClickHouseClient, sql: string): Promise<QueryResult> {
  // 64-bit integers and decimals come back as JSON strings: as JS numbers they would print rounded beyond 2^53.
  const rs = await client.query({
    query: sql,
    format: 'JSONCompactEachRowWithNamesAndTypes',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1, output_format_json_quote_decimals: 1 },
  });
  const [names = [], types = [], ...rows] = await rs.json<unknown[]>();
  return { names: names.map(String), types: types.map(String), rows };
}

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

export function advertise(file: string, ad: Advertisement): void {
  writeFileSync(file, `${JSON.stringify(ad)}\n`, { mode: 0o600 });
}

/** Removes the advertisement if it is still this process's own. */
export function withdraw(file: string): void {
  const ad = readAdvertisement(file);
  if (ad?.pid === process.pid) rmSync(file, { force: true });
}

export function readAdvertisement(file: string): Advertisement | undefined {
  try {
    const ad = JSON.parse(readFileSync(file, 'utf8')) as Partial<Advertisement>;
    if (typeof ad.url === 'string' && typeof ad.token === 'string' && typeof ad.pid === 'number')
      return ad as Advertisement;
  } catch {
    // absent or half-written: as if no consumer advertised
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A server when CLICKHOUSE_URL is set; else the running consumer's endpoint when one is advertised and
 * answers; else the embedded engine itself (which fails with one line of advice when it is locked).
 */
export async function openQueryClient(settings: ClickHouseSettings): Promise<QueryClient> {
  if (!settings.url) {
    const ad = readAdvertisement(endpointFile(settings));
    if (ad && ad.pid !== process.pid && alive(ad.pid)) {
      const remote = remoteClient(ad);
      try {
        await remote.query('SELECT 1');
        return remote;
      } catch (error) {
        if (error instanceof QueryRefusedError) throw error;
        // not answering (stopping, or stale file with a recycled pid): try the engine itself
      }
    }
  }
  const client = await openClickHouse(settings);
  return { via: describeClickHouse(settings), query: (sql) => runQuery(client, sql), close: () => client.close() };
}

function remoteClient(ad: Advertisement): QueryClient {
  return {
    via: `the running consumer (pid ${ad.pid}) at ${ad.url}`,
    async query(sql: string): Promise<QueryResult> {
      const res = await fetch(`${ad.url}/query`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ad.token}`, 'content-type': 'text/plain' },
        body: sql,
        signal: AbortSignal.timeout(120_000),
      });
      const body = (await res.json()) as QueryResult & { error?: string; refused?: boolean };
      if (res.status === 200) return body;
      if (body.refused) throw new QueryRefusedError(body.error ?? 'refused');
      throw new Error(body.error ?? `HTTP ${res.status}`);
    },
    close: async () => undefined,
  };
}
