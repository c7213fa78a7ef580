// ClickHouse through @clickhouse/client everywhere: a server when CLICKHOUSE_URL is set, otherwise
// the embedded engine (chdb) plugged in as the client's connection, so the same code runs on both.
// The one exception is the consumer's bulk insert, which uses the engine's own raw insert when the
// client is embedded (embedded-insert.ts).
import { ErrorCode, StreamtapError } from '../errors.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { withRawInsert } from './embedded-insert.js';

/** Which ClickHouse to use; `clickhouseSettingsFromEnv()` reads them from the environment. */
export interface ClickHouseSettings {
  /**
   * http(s)://host:port of a server ($CLICKHOUSE_URL)
   * @default unset: the embedded engine (chdb) under `dataDir`
   */
  readonly url?: string | undefined;
  /**
   * server user ($CLICKHOUSE_USER)
   * @default the server's `default` user
   */
  readonly username?: string | undefined;
  /**
   * server password ($CLICKHOUSE_PASSWORD)
   * @default empty
   */
  readonly password?: string | undefined;
  /**
   * default database of the connection; tables stay `<source>.<resource>` ($CLICKHOUSE_DATABASE)
   * @default the server's `default` database
   */
  readonly database?: string | undefined;
  /**
   * PEM CA bundle file for an https:// server with a private CA ($CLICKHOUSE_CA_FILE)
   * @default the system CAs
   */
  readonly caFile?: string | undefined;
  /** directory where the embedded engine keeps its data; `clickhouseSettingsFromEnv` uses `<data dir>/clickhouse` */
  readonly dataDir: string;
}

type EmbeddedConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

export class ClickHouseLockedError extends StreamtapError {
  readonly code = ErrorCode.CLICKHOUSE_LOCKED;
}

export function clickhouseSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  dataDir = env.STREAMTAP_DATA_DIR ?? '.data',
): ClickHouseSettings {
  return {
    url: env.CLICKHOUSE_URL || undefined,
    username: env.CLICKHOUSE_USER || undefined,
    password: env.CLICKHOUSE_PASSWORD || undefined,
    database: env.CLICKHOUSE_DATABASE || undefined,
    caFile: env.CLICKHOUSE_CA_FILE || undefined,
    dataDir: resolve(dataDir, 'clickhouse'),
  };
}

export function describeClickHouse(settings: ClickHouseSettings): string {
  if (!settings.url) return `embedded ClickHouse (chdb) at ${settings.dataDir}`;
  const u = new URL(settings.url);
  u.username = '';
  u.password = '';
  return `ClickHouse server ${u.toString()}`;
}

export async function openClickHouse(settings: ClickHouseSettings): Promise<ClickHouseClient> {
  let client: ClickHouseClient;
  if (settings.url) {
    client = createClient({
      url: settings.url,
      ...(settings.username ? { username: settings.username } : {}),
      ...(settings.password ? { password: settings.password } : {}),
      ...(settings.database ? { database: settings.database } : {}),
      ...(settings.caFile ? { tls: { ca_cert: readFileSync(settings.caFile) } } : {}),
      request_timeout: 120_000,
      // Below the server's default keep-alive (10 s) so a reused socket is never one the server closed.
      keep_alive: { enabled: true, idle_socket_ttl: 2_500 },
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  } else {
    mkdirSync(settings.dataDir, { recursive: true });
    // chdb types its connection against its own copy of @clickhouse/client-common; the shapes match.
    // Loaded only when embedded: a server-only deployment never maps the ~500 MB engine library.
    const { createChdbConnection } = await import('chdb/connection');
    const connection = createChdbConnection({ path: settings.dataDir });
    client = withRawInsert(createClient({ connection: connection as unknown as EmbeddedConnection }), connection.chdb);
  }
  try {
    await client.command({ query: 'SELECT 1' });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw explainOpenError(error as Error, settings);
  }
  return client;
}

function explainOpenError(error: Error, settings: ClickHouseSettings): Error {
  if (!settings.url && /Cannot lock file/i.test(error.message)) {
    return new ClickHouseLockedError(
      `the embedded ClickHouse at ${settings.dataDir} is open in another streamtap process (a running consumer?). ` +
        'Stop that process first, or run ClickHouse as a server and set CLICKHOUSE_URL so several processes can share it.',
    );
  }
  return new Error(`cannot reach ${describeClickHouse(settings)}: ${error.message}`, { cause: error });
}
