// The embedded engine's own insert path. @clickhouse/client's insert on the chdb connection stringifies
// every row, concatenates the body into the SQL text and applies settings with SET on the shared session;
// chdb's rawInsert instead takes a ready JSON Buffer zero-copy, parses it with the engine's
// multithreaded parser off the main thread, and takes settings per statement. It exists only for a
// client opened on the embedded engine (openClickHouse registers it); a server has no such path.
import { ClickHouseError, parseError, type ClickHouseClient } from '@clickhouse/client';
import type { ChdbExtension } from 'chdb/connection';

export interface RawInsert {
  /** `database.table`, both plain identifiers (letters, digits, _), as the config requires */
  readonly table: string;
  /** the columns of each line, in order (plain identifiers, as Avro field names are) */
  readonly columns: readonly string[];
  /** JSONCompactEachRow lines, each ending in \n */
  readonly body: Buffer;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

export type RawInserter = (insert: RawInsert) => Promise<void>;

const engines = new WeakMap<ClickHouseClient, Pick<ChdbExtension, 'rawInsert'>>();

export function registerEmbeddedEngine(client: ClickHouseClient, engine: Pick<ChdbExtension, 'rawInsert'>): void {
  engines.set(client, engine);
}

/** The engine registered for `client` (the benchmark wraps it to time the inserts). */
export function embeddedEngine(client: ClickHouseClient): Pick<ChdbExtension, 'rawInsert'> | undefined {
  return engines.get(client);
}

/** The raw insert of the engine behind `client`, or undefined when `client` talks to a server. */
export function embeddedRawInsert(client: ClickHouseClient): RawInserter | undefined {
  const engine = engines.get(client);
  if (!engine) return undefined;
  return async ({ table, columns, body, settings }) => {
    try {
      await engine.rawInsert({ table, columns, values: body, format: 'JSONCompactEachRow', settings: { ...settings } });
    } catch (error) {
      throw asClickHouseError(error);
    }
  };
}

/**
 * chdb rejects with its own error classes (code `CHDB_…`); the engine's `Code: N. DB::Exception: …
 * (TYPE)` text becomes the same ClickHouseError (numeric `code`, `type`) the client raises, so callers
 * classify both paths alike. Anything else (a closed session) stays as it is, with its message.
 */
function asClickHouseError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const mapped = parseError(original.message);
  if (!(mapped instanceof ClickHouseError)) return original;
  mapped.cause = original;
  return mapped;
}
