// Consumer settings that are about the deployment, not the source: batch sizes, the consumer group,
// the ClickHouse cluster layout, shutdown. From the environment, overridden by command-line flags.
//
//   STREAMTAP_BATCH_RECORDS      records per insert                    (default 20000)
//   STREAMTAP_BATCH_BYTES        message bytes per insert              (default 16777216)
//   STREAMTAP_BATCH_WAIT_MS      longest wait for a batch to fill      (default 1000)
//   STREAMTAP_CONSUMER_GROUP     consumer group id                     (default streamtap.<source>)
//   STREAMTAP_CLICKHOUSE_CLUSTER     create tables ON CLUSTER <name>
//   STREAMTAP_CLICKHOUSE_REPLICATED  0 to use plain ReplacingMergeTree on a cluster (default 1)
//   STREAMTAP_CLICKHOUSE_DISTRIBUTED 1 for <table>_local shards behind a Distributed <table> (default 0)
//   STREAMTAP_SHUTDOWN_TIMEOUT_MS    longest clean shutdown after SIGTERM/SIGINT (default 30000)
import { batchPolicy, type BatchPolicy } from './batch-policy.js';
import type { ClickHouseTopology } from '../clickhouse/ddl.js';

export interface ConsumerSettings {
  readonly batch: BatchPolicy;
  readonly groupId: string | undefined;
  readonly topology: ClickHouseTopology;
  readonly shutdownTimeoutMs: number;
}

export interface ConsumerFlags {
  readonly batchRecords?: string | undefined;
  readonly batchBytes?: string | undefined;
  readonly batchWaitMs?: string | undefined;
  readonly group?: string | undefined;
  readonly cluster?: string | undefined;
  readonly distributed?: boolean | undefined;
  readonly shutdownTimeoutMs?: string | undefined;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

export function consumerSettings(flags: ConsumerFlags = {}, env: NodeJS.ProcessEnv = process.env): ConsumerSettings {
  const int = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${value}"`);
    return n;
  };
  const flag = (name: string, value: string | undefined): boolean | undefined =>
    value === undefined || value === ''
      ? undefined
      : /^(1|true|yes)$/i.test(value)
        ? true
        : /^(0|false|no)$/i.test(value)
          ? false
          : badFlag(name, value);
  const cluster = flags.cluster ?? (env.STREAMTAP_CLICKHOUSE_CLUSTER || undefined);
  const distributed =
    flags.distributed ?? flag('STREAMTAP_CLICKHOUSE_DISTRIBUTED', env.STREAMTAP_CLICKHOUSE_DISTRIBUTED);
  if (distributed && !cluster)
    throw new Error('a Distributed table needs a cluster: --cluster <name> or STREAMTAP_CLICKHOUSE_CLUSTER');
  const shutdown = int(
    '--shutdown-timeout-ms / STREAMTAP_SHUTDOWN_TIMEOUT_MS',
    flags.shutdownTimeoutMs ?? env.STREAMTAP_SHUTDOWN_TIMEOUT_MS,
  );
  return {
    batch: batchPolicy({
      maxRecords: int('--batch-records / STREAMTAP_BATCH_RECORDS', flags.batchRecords ?? env.STREAMTAP_BATCH_RECORDS),
      maxBytes: int('--batch-bytes / STREAMTAP_BATCH_BYTES', flags.batchBytes ?? env.STREAMTAP_BATCH_BYTES),
      maxWaitMs: int('--batch-wait-ms / STREAMTAP_BATCH_WAIT_MS', flags.batchWaitMs ?? env.STREAMTAP_BATCH_WAIT_MS),
    }),
    groupId: flags.group ?? (env.STREAMTAP_CONSUMER_GROUP || undefined),
    topology: {
      cluster,
      replicated: flag('STREAMTAP_CLICKHOUSE_REPLICATED', env.STREAMTAP_CLICKHOUSE_REPLICATED),
      distributed,
    },
    shutdownTimeoutMs: shutdown ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
  };
}

function badFlag(name: string, value: string): never {
  throw new Error(`${name} must be 1 or 0, got "${value}"`);
}
