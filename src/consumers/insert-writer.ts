// How a chunk's rows reach ClickHouse, chosen once per client: the embedded engine takes them as one
// JSONCompactEachRow Buffer through chdb's raw insert (no per-row client encoding, no body-into-SQL string,
// settings on the statement instead of SET on the session); a server gets the same body as the data of an
// `INSERT … FORMAT JSONCompactEachRow` through @clickhouse/client's exec. Not the client's insert: it
// serializes rows with JSON.stringify, which throws on a bigint (an Int64 beyond 2^53), and a throw
// there would look like an outage to the retry loop. Both raise ClickHouse errors with the same
// numeric `code`, so insert-retry.ts classifies them alike.
//
// A row is encoded for its writer as soon as it is mapped (`encode`), so a chunk waiting for its
// insert holds one JSON line per row rather than the row's objects: less for the garbage collector.
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { embeddedRawInsert, type AvroInserter, type RawInserter } from '../clickhouse/embedded-insert.js';
import { CompactLineEncoder, compactBody, type CompactLine } from './json-lines.js';
import { targetTable } from '../clickhouse/ddl.js';
import { quoteIdentifier } from '../clickhouse/quote.js';

export type InsertSettings = Readonly<Record<string, string | number>>;

export interface InsertTarget {
  readonly database: string;
  readonly table: string;
}

declare const encoded: unique symbol;
/** A row as its writer will send it; only the writer that encoded it can read it. */
export type EncodedRow = { readonly [encoded]: true };

/** An Avro object container (its pieces, in order) and the columns its records fill (names and types in the table). */
export interface AvroBody {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** the table's columns filled, with their SQL over `columns` (null markers); default: `columns` as read */
  readonly targets?: readonly { readonly name: string; readonly select: string }[] | undefined;
  readonly body: readonly Buffer[];
  /** records in the container */
  readonly records: number;
}

export interface InsertWriter {
  encode(row: Record<string, unknown>): EncodedRow;
  insert(target: InsertTarget, rows: readonly EncodedRow[], settings: InsertSettings): Promise<void>;
  /** Inserts an Avro object container; present only where the engine takes Avro bytes (the byte path). */
  readonly insertAvro?: ((target: InsertTarget, avro: AvroBody, settings: InsertSettings) => Promise<void>) | undefined;
}

/**
 * The insert path for `client`: the engine's raw insert when the client is embedded, else
 * `serverInsertWriter`.
 */
export function insertWriter(client: ClickHouseClient): InsertWriter {
  const raw = embeddedRawInsert(client);
  return raw ? new EmbeddedInsertWriter(raw) : serverInsertWriter(client);
}

/**
 * The insert path through `client`'s HTTP interface (a server; tests also run it on the embedded engine
 * through the client): one `INSERT INTO db.t (columns) FORMAT JSONCompactEachRow` per chunk, the rows as
 * its body, bigints as their exact digits. Errors are the client's: a ClickHouseError with the server's
 * numeric code for rejected data, a network error for an outage.
 */
export function serverInsertWriter(client: ClickHouseClient): InsertWriter {
  return new ClientInsertWriter(client);
}

class ClientInsertWriter implements InsertWriter {
  private readonly lines = new CompactLineEncoder();

  constructor(private readonly client: ClickHouseClient) {}

  encode(row: Record<string, unknown>): EncodedRow {
    return this.lines.encode(row) as unknown as EncodedRow;
  }

  async insert(target: InsertTarget, rows: readonly EncodedRow[], settings: InsertSettings): Promise<void> {
    if (rows.length === 0) return;
    const { columns, body } = compactBody(rows as unknown as readonly CompactLine[]);
    const { stream } = await this.client.exec({
      query: `INSERT INTO ${targetTable(target)} (${columns.map(quoteIdentifier).join(', ')}) FORMAT JSONCompactEachRow`,
      values: Readable.from([body], { objectMode: false }),
      clickhouse_settings: settings,
    });
    // The response is empty for an insert, but its socket returns to the pool only once it is read.
    for await (const _ of stream) void _;
  }
}

class EmbeddedInsertWriter implements InsertWriter {
  private readonly lines = new CompactLineEncoder();
  readonly insertAvro: InsertWriter['insertAvro'];

  constructor(private readonly raw: RawInserter) {
    const avro: AvroInserter | undefined = raw.avro;
    this.insertAvro = avro
      ? (target, { columns, targets, body, records }, settings) =>
          avro({ ...target, columns, targets, body, records, settings })
      : undefined;
  }

  encode(row: Record<string, unknown>): EncodedRow {
    return this.lines.encode(row) as unknown as EncodedRow;
  }

  async insert(target: InsertTarget, rows: readonly EncodedRow[], settings: InsertSettings): Promise<void> {
    const { columns, body } = compactBody(rows as unknown as readonly CompactLine[]);
    // chdb accepts plain identifiers only; source and table names are (src/config/schema.ts).
    await this.raw({ table: `${target.database}.${target.table}`, columns, body, settings });
  }
}
