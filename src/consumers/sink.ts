// The ClickHouse side of a consumer: create what is missing, insert a batch idempotently.
import type { ClickHouseClient } from '@clickhouse/client';
import { createTableSql, quote, type TableSpec } from './table-schema.js';

export class ClickHouseSink {
  private readonly ready = new Set<string>();

  constructor(private readonly client: ClickHouseClient) {}

  async ensureTable(spec: TableSpec): Promise<void> {
    const name = `${spec.database}.${spec.table}`;
    if (this.ready.has(name)) return;
    await this.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${quote(spec.database)}` });
    await this.client.command({ query: createTableSql(spec) });
    this.ready.add(name);
  }

  /**
   * `dedupToken` names the exact Kafka offsets of the batch (`topic-partition-first-last`): a replay of
   * the same offsets after a crash carries the same token, and the table's
   * non_replicated_deduplication_window makes ClickHouse drop it instead of adding rows.
   */
  async insert(spec: TableSpec, rows: readonly Record<string, unknown>[], dedupToken: string): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({
      table: `${quote(spec.database)}.${quote(spec.table)}`,
      values: rows as Record<string, unknown>[],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: dedupToken },
    });
  }
}
