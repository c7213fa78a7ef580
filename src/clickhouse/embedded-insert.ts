// The embedded engine's own insert path. @clickhouse/client's insert on the chdb connection stringifies
// every row, concatenates the body into the SQL text and applies settings with SET on the shared session;
// chdb's rawInsert instead takes a ready JSON Buffer zero-copy, parses it with the engine's
// multithreaded parser off the main thread, and takes settings per statement. It exists only for a
// client opened on the embedded engine (openClickHouse attaches it to the client); a server has no such path.
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

/**
 * A client opened on the embedded engine: `openClickHouse` gives it the engine's raw insert when it opens
 * the connection, so the insert path travels with the client instead of being looked up beside it.
 */
export type EmbeddedClickHouseClient = ClickHouseClient & { rawInsert: RawInserter };

/** The raw insert the embedded engine's client carries, or undefined when `client` talks to a server. */
export function embeddedRawInsert(client: ClickHouseClient): RawInserter | undefined {
  return (client as Partial<EmbeddedClickHouseClient>).rawInsert;
}

/** Gives `client` the raw insert of `engine` (called once, where the embedded connection is opened). */
export function withRawInsert(
  client: ClickHouseClient,
  engine: Pick<ChdbExtension, 'rawInsert'>,
): EmbeddedClickHouseClient {
  const rawInsert: RawInserter = async ({ table, columns, body, settings }) => {
    try {
      await engine.rawInsert({ table, columns, values: body, format: 'JSONCompactEachRow', settings: { ...settings } });
    } catch (error) {
      throw asClickHouseError(error);
    }
  };
  return Object.assign(client, { rawInsert });
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
