// The statements that create a resource's tables, for one ClickHouse server or a cluster.
//
//   single server (default):  <db>.<t> ReplacingMergeTree, <db>.<t>_latest view
//   cluster, replicated:      ... ON CLUSTER c, ReplicatedReplacingMergeTree(path, replica, ...)
//   cluster, distributed:     <db>.<t>_local (replicated) on every shard, <db>.<t> Distributed over them,
//                             sharded by the primary key so a key's versions meet on one shard (FINAL is per shard)
import { quoteIdentifier, sqlString } from '../clickhouse/quote.js';
import { columnsSql, createTableSql, engineSql, type TableSpec } from './table-schema.js';

export interface ClickHouseTopology {
  /** cluster name from the server's remote_servers; unset: one server (or the embedded engine) */
  readonly cluster?: string | undefined;
  /** ReplicatedReplacingMergeTree on the cluster; default true when a cluster is set */
  readonly replicated?: boolean | undefined;
  /** a Distributed table over `<table>_local` shards; default false */
  readonly distributed?: boolean | undefined;
  /** Keeper path of replicated tables; ClickHouse expands the macros */
  readonly replicationPath?: string | undefined;
}

export const SINGLE_SERVER: ClickHouseTopology = Object.freeze({});

export const DEFAULT_REPLICATION_PATH = '/clickhouse/tables/{shard}/{database}/{table}';

/** The table consumers insert into and users query (the Distributed one on a sharded cluster). */
export function targetTable(spec: Pick<TableSpec, 'database' | 'table'>): string {
  return `${quoteIdentifier(spec.database)}.${quoteIdentifier(spec.table)}`;
}

export function latestViewName(spec: TableSpec): string {
  return `${spec.table}_latest`;
}

export function tableStatements(spec: TableSpec, topology: ClickHouseTopology = SINGLE_SERVER): string[] {
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
    const shardBy = `cityHash64(${spec.primaryKey.map(quoteIdentifier).join(', ')})`;
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
export function latestViewSql(spec: TableSpec, onCluster = ''): string {
  const view = `${quoteIdentifier(spec.database)}.${quoteIdentifier(latestViewName(spec))}${onCluster}`;
  const table = targetTable(spec);
  if (spec.writeDisposition === 'append') {
    const key = spec.primaryKey.map(quoteIdentifier).join(', ');
    return `CREATE VIEW IF NOT EXISTS ${view} AS SELECT * FROM ${table} ORDER BY _version DESC LIMIT 1 BY ${key}`;
  }
  const except = spec.writeDisposition === 'replace' ? ' EXCEPT (_is_deleted)' : '';
  return `CREATE VIEW IF NOT EXISTS ${view} AS SELECT *${except} FROM ${table} FINAL`;
}
