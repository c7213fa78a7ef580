// The ClickHouse side of a consumer: create what is missing, insert a batch idempotently, mark deletes.
//
// Why the result is exactly once although Kafka delivers at least once (docs/consumers.md has the long form):
//  1. Offsets are committed only after ClickHouse accepted the insert, so nothing is lost.
//  2. A batch replayed after a crash starts at the committed offset and is cut the same way, so it
//     carries the same insert_deduplication_token, and ClickHouse drops it (the table keeps the last
//     10,000 tokens: non_replicated_deduplication_window). Raw rows are not duplicated either.
//  3. Whatever still arrives twice (a batch cut differently on replay, a producer retry that wrote a
//     record twice) is the same key with the same _version: ReplacingMergeTree keeps one, so FINAL
//     shows exactly one row per key, the one with the highest _version.
import type { ClickHouseClient } from '@clickhouse/client';
import {
  ddlSettings,
  SINGLE_SERVER,
  tableStatements,
  targetTable,
  type ClickHouseTopology,
} from '../clickhouse/ddl.js';
import { insertWriter, type AvroBody, type EncodedRow, type InsertWriter } from './insert-writer.js';
import type { RunCompletion } from '../contracts/run-completion.js';
import { quoteIdentifier, sqlString } from '../clickhouse/quote.js';
import type { TableSpec } from './table-schema.js';

export interface InsertBatch {
  /** rows as `encode()` returned them */
  readonly rows: readonly EncodedRow[];
  /** names the exact Kafka offsets the rows came from; equal for a replay of the same offsets */
  readonly dedupToken: string;
}

/** Records as one Avro object container (the byte path): what `insertAvro` takes. */
export interface AvroBatch extends AvroBody {
  /** as for InsertBatch */
  readonly dedupToken: string;
}

/**
 * Where a consumer puts its rows. The consumer calls the methods in this order, one partition's calls
 * never overlapping, and decides from what each one throws whether to retry or to give up on rows:
 *
 * - `ensureTable(spec)`: once per table when the consumer starts, before any other call for that table,
 *   and again after `forget(spec)`. Creates what is missing and is a no-op otherwise (idempotent).
 *   Throws when the table cannot be created; at start that ends `consume()`.
 * - `encode(row)`: for every mapped row, as soon as it is mapped, before its chunk is inserted. Pure and
 *   synchronous; throws only for a row no insert could take, which the consumer dead-letters.
 * - `insert(spec, batch)`: once per chunk with the chunk's latest row per key (possibly none), then again
 *   with the same token after a failure. Resolves once the rows are stored durably; the consumer commits
 *   the chunk's offsets only after that. A batch whose token the sink has seen before must be dropped, not
 *   stored twice. What it throws decides what follows:
 *   - an error `isRejectedData()` recognises (ClickHouse blames the rows: parse or type errors): the data
 *     can never be loaded; the consumer bisects the batch, each half with a token derived from the
 *     batch's, until it finds the rows rejected alone, and dead-letters those;
 *   - any other error is an outage (server down, overloaded, timeout, a closed connection): retriable.
 *     The consumer pauses the partition and retries the same batch with backoff until it is accepted or
 *     the consumer stops; `isMissingTable()` errors are followed by `forget()` and `ensureTable()`.
 * - `insertAvro(spec, batch)`: only when `acceptsAvro`; as `insert`, for records that travel as their Avro
 *   bytes (byte-lane.ts). When it throws an `isRejectedData()` error the consumer does not bisect: it decodes
 *   those records and inserts them with `insert`, which finds the bad ones.
 * - `forget(spec)`: after an insert failed because the table is gone; the next `ensureTable` creates it.
 * - `markMissingDeleted(spec, run)`: for a replace table, once per completed run, only after every
 *   record of the run is inserted and committed. Idempotent (applying a run twice marks nothing new).
 *   Any error is treated as an outage and retried with backoff.
 */
export interface Sink {
  ensureTable(spec: TableSpec): Promise<void>;
  forget(spec: TableSpec): void;
  encode(row: Record<string, unknown>): EncodedRow;
  insert(spec: TableSpec, batch: InsertBatch): Promise<void>;
  /** true when `insertAvro` can be called: the engine takes Avro object containers */
  readonly acceptsAvro: boolean;
  insertAvro(spec: TableSpec, batch: AvroBatch): Promise<void>;
  /** Returns how many keys were marked deleted. */
  markMissingDeleted(
    spec: TableSpec,
    run: Pick<RunCompletion, 'runId' | 'startVersion' | 'endVersion'>,
  ): Promise<number>;
}

/** The sink for ClickHouse: a server through @clickhouse/client, or the embedded engine. */
export class ClickHouseSink implements Sink {
  private readonly ready = new Set<string>();
  private readonly writer: InsertWriter;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly topology: ClickHouseTopology = SINGLE_SERVER,
  ) {
    this.writer = insertWriter(client);
  }

  /** Creates the database, the table(s) and the `<table>_latest` view when missing. */
  async ensureTable(spec: TableSpec): Promise<void> {
    const name = `${spec.database}.${spec.table}`;
    if (this.ready.has(name)) return;
    const clickhouse_settings = ddlSettings(spec.columns.map((c) => c.type));
    for (const query of tableStatements(spec, this.topology))
      await this.client.command({ query, ...(clickhouse_settings ? { clickhouse_settings } : {}) });
    this.ready.add(name);
  }

  /** Forget what was created, so the next ensureTable checks again (after UNKNOWN_TABLE). */
  forget(spec: TableSpec): void {
    this.ready.delete(`${spec.database}.${spec.table}`);
  }

  /** A mapped row, in the form this sink's writer sends it; call as soon as the row is mapped. */
  encode(row: Record<string, unknown>): EncodedRow {
    return this.writer.encode(row);
  }

  async insert(spec: TableSpec, batch: InsertBatch): Promise<void> {
    if (batch.rows.length === 0) return;
    await this.writer.insert(spec, batch.rows, this.insertSettings(batch.dedupToken));
  }

  get acceptsAvro(): boolean {
    return this.writer.insertAvro !== undefined;
  }

  async insertAvro(spec: TableSpec, batch: AvroBatch): Promise<void> {
    if (batch.records === 0) return;
    if (!this.writer.insertAvro) throw new Error('this ClickHouse connection takes no Avro inserts');
    await this.writer.insertAvro(spec, batch, this.insertSettings(batch.dedupToken));
  }

  private insertSettings(dedupToken: string): Readonly<Record<string, string | number>> {
    return {
      insert_deduplicate: 1,
      insert_deduplication_token: dedupToken,
      // Rows are already one per key (latest.ts): collapsing the block on insert would find nothing.
      optimize_on_insert: 0,
      // On a Distributed table, return only once the shards have the rows, so the commit that follows
      // never covers rows still queued on this server.
      ...(this.topology.distributed ? { distributed_foreground_insert: 1 } : {}),
    };
  }

  /**
   * Marks deleted every key whose latest row is older than the completed run: those keys were not in
   * the full extraction. Returns how many keys it marked. Idempotent: marked keys are hidden by FINAL,
   * so a second call finds nothing to mark.
   */
  async markMissingDeleted(
    spec: TableSpec,
    run: Pick<RunCompletion, 'runId' | 'startVersion' | 'endVersion'>,
  ): Promise<number> {
    if (spec.writeDisposition !== 'replace')
      throw new Error(`${spec.database}.${spec.table}: deletes apply to write_disposition replace only`);
    const table = targetTable(spec);
    // A subquery: in ClickHouse an alias in the SELECT list (the REPLACEd _version) would shadow the column in WHERE.
    const stale = `SELECT * FROM ${table} FINAL WHERE _version < ${run.startVersion}`;
    const rs = await this.client.query({ query: `SELECT count() AS n FROM (${stale})`, format: 'JSONEachRow' });
    const [row] = await rs.json<{ n: string | number }>();
    const count = Number(row?.n ?? 0);
    if (count === 0) return 0;
    await this.client.command({
      query:
        `INSERT INTO ${table} SELECT * REPLACE (1 AS ${quoteIdentifier('_is_deleted')}, toUInt64(${run.endVersion}) AS ${quoteIdentifier('_version')}, ` +
        `${sqlString(run.runId)} AS ${quoteIdentifier('_run_id')}) FROM (${stale})`,
      clickhouse_settings: {
        // Always a token of its own: one per run, so applying the same completion twice inserts once. (The
        // embedded engine also keeps settings for the session: without it, the last batch's token would apply.)
        insert_deduplicate: 1,
        insert_deduplication_token: `delete-${spec.database}.${spec.table}-${run.runId}`,
        ...(this.topology.distributed ? { distributed_foreground_insert: 1 } : {}),
      },
    });
    return count;
  }
}
