// How a chunk's rows reach ClickHouse, chosen once per client: the embedded engine takes them as one
// JSONCompactEachRow Buffer through chdb's raw insert (no per-row client encoding, no body-into-SQL string,
// settings on the statement instead of SET on the session); a server gets @clickhouse/client's insert.
// Both raise ClickHouse errors with the same numeric `code`, so insert-retry.ts classifies them alike.
//
// A row is encoded for its writer as soon as it is mapped (`encode`), so a chunk waiting for its
// insert holds one JSON line per row rather than the row's objects: less for the garbage collector.
import type { ClickHouseClient } from '@clickhouse/client';
import { embeddedRawInsert, type AvroInserter, type RawInserter } from '../clickhouse/embedded-insert.js';
import { CompactLineEncoder, compactBody, type CompactLine } from './json-lines.js';
import { targetTable } from '../clickhouse/ddl.js';

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

export function insertWriter(client: ClickHouseClient): InsertWriter {
  const raw = embeddedRawInsert(client);
  return raw ? new EmbeddedInsertWriter(raw) : new ClientInsertWriter(client);
}

class ClientInsertWriter implements InsertWriter {
  constructor(private readonly client: ClickHouseClient) {}

  encode(row: Record<string, unknown>): EncodedRow {
    return row as unknown as EncodedRow;
  }

  async insert(target: InsertTarget, rows: readonly EncodedRow[], settings: InsertSettings): Promise<void> {
    await this.client.insert({
      table: targetTable(target),
      values: rows as unknown as Record<string, unknown>[],
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
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
