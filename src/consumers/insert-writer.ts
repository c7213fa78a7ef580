// How a chunk's rows reach ClickHouse, chosen once per client: the embedded engine takes them as one
// JSONCompactEachRow Buffer through chdb's raw insert (no per-row client encoding, no body-into-SQL string,
// settings on the statement instead of SET on the session); a server gets @clickhouse/client's insert.
// Both raise ClickHouse errors with the same numeric `code`, so insert-retry.ts classifies them alike.
import type { ClickHouseClient } from '@clickhouse/client';
import { embeddedRawInsert, type RawInserter } from '../clickhouse/embedded-insert.js';
import { compactRows } from './json-lines.js';
import { quote } from './table-schema.js';

export type InsertSettings = Readonly<Record<string, string | number>>;

export interface InsertTarget {
  readonly database: string;
  readonly table: string;
}

export interface InsertWriter {
  insert(target: InsertTarget, rows: readonly Record<string, unknown>[], settings: InsertSettings): Promise<void>;
}

export function insertWriter(client: ClickHouseClient): InsertWriter {
  const raw = embeddedRawInsert(client);
  return raw ? new EmbeddedInsertWriter(raw) : new ClientInsertWriter(client);
}

class ClientInsertWriter implements InsertWriter {
  constructor(private readonly client: ClickHouseClient) {}

  async insert(target: InsertTarget, rows: readonly Record<string, unknown>[], settings: InsertSettings): Promise<void> {
    await this.client.insert({
      table: `${quote(target.database)}.${quote(target.table)}`,
      values: rows as Record<string, unknown>[],
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
  }
}

class EmbeddedInsertWriter implements InsertWriter {
  constructor(private readonly raw: RawInserter) {}

  async insert(target: InsertTarget, rows: readonly Record<string, unknown>[], settings: InsertSettings): Promise<void> {
    const { columns, body } = compactRows(rows);
    // chdb accepts plain identifiers only; source and table names are (src/config/schema.ts).
    await this.raw({ table: `${target.database}.${target.table}`, columns, body, settings });
  }
}
