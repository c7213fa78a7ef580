// The statements that create a resource's tables, for one ClickHouse server or a cluster.
//
//   single server (default):  <db>.<t> ReplacingMergeTree, <db>.<t>_latest view
//   cluster, replicated:      ... ON CLUSTER c, ReplicatedReplacingMergeTree(path, replica, ...)
//   cluster, distributed:     <db>.<t>_local (replicated) on every shard, <db>.<t> Distributed over them,
//                             sharded by the primary key so a key's versions meet on one shard (FINAL is per shard)
import type { WriteDisposition } from '../config/schema.js';
import { quoteIdentifier, sqlString } from './quote.js';

/** What the DDL needs to know of a table: its name, columns (types as SQL), primary key and disposition. */
export interface TableDefinition {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  /** the ORDER BY key, and the sharding key of a Distributed table */
  readonly primaryKey: readonly string[];
  /** merge, replace: ReplacingMergeTree (replace adds `_is_deleted`); append: MergeTree, every row kept */
  readonly writeDisposition: WriteDisposition;
}

/** Where and how a consumer creates its tables. */
export interface ClickHouseTopology {
  /**
   * cluster name from the server's remote_servers
   * @default unset: one server (or the embedded engine)
   */
  readonly cluster?: string | undefined;
  /**
   * ReplicatedReplacingMergeTree on the cluster
   * @default true when a cluster is set
   */
  readonly replicated?: boolean | undefined;
  /**
   * a Distributed table over `<table>_local` shards
   * @default false
   */
  readonly distributed?: boolean | undefined;
  /**
   * Keeper path of replicated tables; ClickHouse expands the macros
   * @default `/clickhouse/tables/{shard}/{database}/{table}`
   */
  readonly replicationPath?: string | undefined;
}

export const SINGLE_SERVER: ClickHouseTopology = Object.freeze({});

const DEFAULT_REPLICATION_PATH = '/clickhouse/tables/{shard}/{database}/{table}';

/**
 * The query settings the DDL of a table with these column types needs (`client.command({ clickhouse_settings })`).
 * A `Nullable(Tuple(...))` column (a record that may be null, src/consumers/null-rule.ts) is Beta in
 * ClickHouse 26.6 and off by default: CREATE TABLE, ALTER and CREATE VIEW over such a column need
 * `enable_nullable_tuple_type = 1`; inserts, selects and reopening the table do not (checked with chdb
 * 26.7). Without such a column, nothing: older servers do not know the setting's name.
 */
export function ddlSettings(types: Iterable<string>): Record<string, 1> | undefined {
  for (const type of types) if (type.includes('Nullable(Tuple(')) return { enable_nullable_tuple_type: 1 };
  return undefined;
}

/** The table consumers insert into and users query (the Distributed one on a sharded cluster). */
export function targetTable(spec: Pick<TableDefinition, 'database' | 'table'>): string {
  return `${quoteIdentifier(spec.database)}.${quoteIdentifier(spec.table)}`;
}

export function latestViewName(spec: TableDefinition): string {
  return `${spec.table}_latest`;
}

export function tableStatements(spec: TableDefinition, topology: ClickHouseTopology = SINGLE_SERVER): string[] {
  const db = quoteIdentifier(spec.database);
  if (!topology.cluster) {
    return [`CREATE DATABASE IF NOT EXISTS ${db}`, createTableSql(spec), latestViewSql(spec, '')];
  }
  const on = ` ON CLUSTER ${quoteIdentifier(topology.cluster)}`;
  const replicated = topology.replicated ?? true;
  const localName = topology.distributed ? `${spec.table}_local` : spec.table;
  const engine = replicated
    ? engineSql(spec, 'Replicated', [
        sqlString(topology.replicationPath ?? DEFAULT_REPLICATION_PATH),
        sqlString('{replica}'),
      ])
    : engineSql(spec);
  // Replicated tables deduplicate by token within replicated_deduplication_window (default 1000 inserts
  // per table, kept in Keeper); the non-replicated window only matters for plain MergeTree replicas.
  const settings = replicated ? '' : '\nSETTINGS non_replicated_deduplication_window = 10000';
  const statements = [
    `CREATE DATABASE IF NOT EXISTS ${db}${on}`,
    `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(localName)}${on} (\n${columnsSql(spec)}\n) ENGINE = ${engine}${settings}`,
  ];
  if (topology.distributed) {
    // without a primary key nothing needs to meet on one shard: spread rows at random
    const shardBy =
      spec.primaryKey.length === 0 ? 'rand()' : `cityHash64(${spec.primaryKey.map(quoteIdentifier).join(', ')})`;
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(spec.table)}${on} AS ${db}.${quoteIdentifier(localName)}\n` +
        `ENGINE = Distributed(${sqlString(topology.cluster)}, ${sqlString(spec.database)}, ${sqlString(localName)}, ${shardBy})`,
    );
  }
  statements.push(latestViewSql(spec, on));
  return statements;
}

/**
 * One row per key, the latest observation, deleted keys hidden: FINAL for replacing tables; for append
 * tables (every observation kept) the row with the highest _version of each key.
 */
export function latestViewSql(spec: TableDefinition, onCluster = ''): string {
  const view = `${quoteIdentifier(spec.database)}.${quoteIdentifier(latestViewName(spec))}${onCluster}`;
  const table = targetTable(spec);
  if (spec.writeDisposition === 'append') {
    // without a primary key every observation is its own row: the view is the table
    if (spec.primaryKey.length === 0) return `CREATE VIEW IF NOT EXISTS ${view} AS SELECT * FROM ${table}`;
    const key = spec.primaryKey.map(quoteIdentifier).join(', ');
    return `CREATE VIEW IF NOT EXISTS ${view} AS SELECT * FROM ${table} ORDER BY _version DESC LIMIT 1 BY ${key}`;
  }
  const except = spec.writeDisposition === 'replace' ? ' EXCEPT (_is_deleted)' : '';
  return `CREATE VIEW IF NOT EXISTS ${view} AS SELECT *${except} FROM ${table} FINAL`;
}

/**
 * Vertical merges for every part, whatever its size: a merge then reads and writes one column at a time
 * instead of every column's streams at once (ClickHouse's defaults: only from 11 columns and 131,072
 * rows). The seed's tables hold hundreds of column streams (tuple elements, null maps, array sizes), and a
 * consumer's inserts of a few thousand rows merge all the time, so these merges were a large part of the
 * embedded engine's peak memory: 598 → 527 MiB peak for the consumer of 100k events (docs/performance.md),
 * at no cost in CPU. The rows merged are the same.
 */
const MERGE_SETTINGS =
  'vertical_merge_algorithm_min_rows_to_activate = 1, vertical_merge_algorithm_min_columns_to_activate = 1';

function createTableSql(spec: TableDefinition): string {
  // A replayed insert with the same deduplication token is dropped (see src/consumers/sink.ts).
  return `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(spec.database)}.${quoteIdentifier(spec.table)} (\n${columnsSql(spec)}\n) ENGINE = ${engineSql(spec)}\nSETTINGS non_replicated_deduplication_window = 10000, ${MERGE_SETTINGS}`;
}

/** The column list of CREATE TABLE; replace tables carry `_is_deleted` for keys a full extraction no longer returned. */
function columnsSql(spec: TableDefinition): string {
  const cols = spec.columns.map((c) => `  ${quoteIdentifier(c.name)} ${c.name === '_version' ? 'UInt64' : c.type}`);
  if (spec.writeDisposition === 'replace') cols.push(`  ${quoteIdentifier('_is_deleted')} UInt8 DEFAULT 0`);
  return cols.join(',\n');
}

/** `family` is '' or 'Replicated'; `engineArgs` are the replication path and replica for a Replicated engine. */
function engineSql(spec: TableDefinition, family: '' | 'Replicated' = '', engineArgs: readonly string[] = []): string {
  const key = spec.primaryKey.map(quoteIdentifier).join(', ');
  // merge and replace keep the latest observation of a key; append keeps every observation.
  // A resource without a primary key can only append (the config refuses merge/replace without one).
  if (spec.writeDisposition === 'append')
    return `${family}MergeTree(${engineArgs.join(', ')}) ORDER BY (${key === '' ? '' : `${key}, `}_version)`;
  const versionArgs = spec.writeDisposition === 'replace' ? ['_version', '_is_deleted'] : ['_version'];
  return `${family}ReplacingMergeTree(${[...engineArgs, ...versionArgs].join(', ')}) ORDER BY (${key})`;
}
