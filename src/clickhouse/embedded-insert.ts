// The embedded engine's own insert path. @clickhouse/client's insert on the chdb connection stringifies
// every row, concatenates the body into the SQL text and applies settings with SET on the shared session;
// chdb's rawInsert instead takes a ready JSON Buffer zero-copy, parses it with the engine's
// multithreaded parser off the main thread, and takes settings per statement. It exists only for a
// client opened on the embedded engine (openClickHouse attaches it to the client); a server has no such path.
//
// The raw insert also carries the engine's Avro insert (`avro`): chdb's raw insert takes text formats only,
// so an Avro object container is written to a temporary file and read with `INSERT … SELECT … FROM
// file(path, 'Avro', structure)`, the structure being the table's own column types, so the engine's Avro
// reader converts straight into them as `INSERT … FORMAT Avro` would. Settings go on the statement.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseError, parseError, type ClickHouseClient } from '@clickhouse/client';
import type { ChdbExtension } from 'chdb/connection';
import { ddlSettings } from './ddl.js';
import { quoteIdentifier, sqlString } from './quote.js';

export interface RawInsert {
  /** `database.table`, both plain identifiers (letters, digits, _), as the config requires */
  readonly table: string;
  /** the columns of each line, in order (plain identifiers, as Avro field names are) */
  readonly columns: readonly string[];
  /** JSONCompactEachRow lines, each ending in \n */
  readonly body: Buffer;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

export interface AvroInsert {
  /** `database.table` */
  readonly database: string;
  readonly table: string;
  /** the container's record fields, each with the type the engine reads it as (SQL text), in record order */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /**
   * the table's columns the insert fills, each with its SQL expression over `columns`
   * @default each of `columns`, as it is read
   */
  readonly targets?: readonly { readonly name: string; readonly select: string }[] | undefined;
  /** one Avro object container (header, blocks) whose schema's fields are `columns`, as pieces in order */
  readonly body: readonly Buffer[];
  /** records in the container (for accounting; the engine counts them itself) */
  readonly records: number;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

export type AvroInserter = (insert: AvroInsert) => Promise<void>;

/** The engine's raw insert of JSONCompactEachRow lines, and of Avro object containers as `avro`. */
export type RawInserter = ((insert: RawInsert) => Promise<void>) & { readonly avro?: AvroInserter | undefined };

/**
 * A client opened on the embedded engine: `openClickHouse` gives it the engine's raw insert when it opens
 * the connection, so the insert path travels with the client instead of being looked up beside it.
 */
export type EmbeddedClickHouseClient = ClickHouseClient & { rawInsert: RawInserter };

/** The raw insert the embedded engine's client carries, or undefined when `client` talks to a server. */
export function embeddedRawInsert(client: ClickHouseClient): RawInserter | undefined {
  return (client as Partial<EmbeddedClickHouseClient>).rawInsert;
}

/** The engine's Avro insert, when `client` is embedded and its raw insert is not hidden (test fixtures hide it). */
export function embeddedAvroInsert(client: ClickHouseClient): AvroInserter | undefined {
  return embeddedRawInsert(client)?.avro;
}

/** Gives `client` the raw insert of `engine` (called once, where the embedded connection is opened). */
export function withRawInsert(
  client: ClickHouseClient,
  engine: Pick<ChdbExtension, 'rawInsert' | 'queryAsync'>,
): EmbeddedClickHouseClient {
  const rawInsert = async ({ table, columns, body, settings }: RawInsert): Promise<void> => {
    try {
      await engine.rawInsert({ table, columns, values: body, format: 'JSONCompactEachRow', settings: { ...settings } });
    } catch (error) {
      throw asClickHouseError(error);
    }
  };
  return Object.assign(client, { rawInsert: Object.assign(rawInsert, { avro: avroFileInsert(engine) }) });
}

/**
 * Inserts through a temporary file (removed when the insert settles, and the directory at exit): the
 * container's pieces are written once with one gathered write (never joined in memory), and read once by
 * the engine.
 */
export function avroFileInsert(engine: Pick<ChdbExtension, 'queryAsync'>): AvroInserter {
  let dir: string | undefined;
  let next = 0;
  return async ({ database, table, columns, targets, body, settings }) => {
    if (!dir) {
      const made = mkdtempSync(join(tmpdir(), 'streamtap-avro-'));
      process.once('exit', () => rmSync(made, { recursive: true, force: true }));
      dir = made;
    }
    const file = join(dir, `${process.pid}-${next++}.avro`);
    const into = targets ?? columns.map((c) => ({ name: c.name, select: quoteIdentifier(c.name) }));
    const names = into.map((c) => quoteIdentifier(c.name)).join(', ');
    const selects = into.map((c) => c.select).join(', ');
    const structure = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ');
    // A Nullable(Tuple) in the structure needs the same setting as the table's DDL (ddlSettings).
    const sql =
      `INSERT INTO ${quoteIdentifier(database)}.${quoteIdentifier(table)} (${names}) ` +
      `SELECT ${selects} FROM file(${sqlString(file)}, 'Avro', ${sqlString(structure)})` +
      settingsClause({ ...settings, ...ddlSettings(columns.map((c) => c.type)) });
    try {
      const handle = await open(file, 'w');
      try {
        const { bytesWritten } = await handle.writev(body as Buffer[]);
        const size = body.reduce((sum, piece) => sum + piece.length, 0);
        if (bytesWritten !== size) throw new Error(`wrote ${bytesWritten} of ${size} bytes to ${file}`);
      } finally {
        await handle.close();
      }
      await engine.queryAsync(sql, { format: 'CSV' });
    } catch (error) {
      throw asClickHouseError(error);
    } finally {
      await unlink(file).catch(() => undefined);
    }
  };
}

function settingsClause(settings: Readonly<Record<string, string | number | boolean>>): string {
  const parts = Object.entries(settings).map(([name, value]) => {
    // Setting names are streamtap's own, never from outside; a number or bool is written as a number.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a ClickHouse setting name: ${name}`);
    return `${name} = ${typeof value === 'string' ? sqlString(value) : Number(value)}`;
  });
  return parts.length === 0 ? '' : ` SETTINGS ${parts.join(', ')}`;
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
