// Consumer settings that are about the deployment, not the source: batch sizes, the consumer group,
// the ClickHouse cluster layout, shutdown. From the environment, overridden by command-line flags.
//
//   STREAMTAP_BATCH_RECORDS      records per insert                    (default 20000)
//   STREAMTAP_BATCH_BYTES        message bytes per insert              (default 4194304)
//   STREAMTAP_BATCH_WAIT_MS      longest wait for a batch to fill      (default 1000)
//   STREAMTAP_CONSUMER_GROUP     consumer group id                     (default streamtap.<source>)
//   STREAMTAP_CLICKHOUSE_CLUSTER     create tables ON CLUSTER <name>
//   STREAMTAP_CLICKHOUSE_REPLICATED  0 to use plain ReplacingMergeTree on a cluster (default 1)
//   STREAMTAP_CLICKHOUSE_DISTRIBUTED 1 for <table>_local shards behind a Distributed <table> (default 0)
//   STREAMTAP_SHUTDOWN_TIMEOUT_MS    longest clean shutdown after SIGTERM/SIGINT (default 30000)
//   STREAMTAP_SESSION_TIMEOUT_MS     consumer group session timeout (default 10000)
//   STREAMTAP_HEARTBEAT_INTERVAL_MS  consumer group heartbeat interval (default 1000)
import { batchPolicy, type BatchPolicy } from './batch-policy.js';
import type { ClickHouseTopology } from '../clickhouse/ddl.js';

export interface ConsumerSettings {
  readonly batch: BatchPolicy;
  readonly groupId: string | undefined;
  readonly topology: ClickHouseTopology;
  readonly shutdownTimeoutMs: number;
  /** the group's session timeout and heartbeat interval, in milliseconds (see GroupTimeouts) */
  readonly group: GroupTimeouts;
}

/**
 * How fast a consumer group notices a member gone without a word (SIGKILL, a lost machine): the coordinator
 * drops a member it has not heard from for `sessionTimeoutMs`, then hands its partitions to the others,
 * who learn of the rebalance with their next heartbeat. A kill's partitions are taken over after about
 * session timeout + heartbeat interval. A clean stop (SIGTERM) leaves the group at once and waits for neither.
 *
 * The cost of a short session timeout: a member that cannot heartbeat for that long (a stalled event loop,
 * a long GC, a paused VM) is dropped too and its partitions move while it lives (its uncommitted chunk is
 * replayed elsewhere and deduplicated; nothing is lost). During a long insert the consumer heartbeats every
 * 3 s on a timer. Kafka's brokers refuse a session timeout outside group.min.session.timeout.ms (6 s) and
 * group.max.session.timeout.ms (30 min) by default. docs/operations.md, "Scaling consumers", has the figures.
 */
export interface GroupTimeouts {
  /** @default 10000 (10 s; kafkajs's own default is 30 s) */
  readonly sessionTimeoutMs: number;
  /** @default 1000 (1 s; Kafka advises at most a third of the session timeout) */
  readonly heartbeatIntervalMs: number;
}

export const DEFAULT_GROUP_TIMEOUTS: GroupTimeouts = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 };

export interface ConsumerFlags {
  readonly batchRecords?: string | undefined;
  readonly batchBytes?: string | undefined;
  readonly batchWaitMs?: string | undefined;
  readonly group?: string | undefined;
  readonly cluster?: string | undefined;
  readonly distributed?: boolean | undefined;
  readonly shutdownTimeoutMs?: string | undefined;
  readonly sessionTimeoutMs?: string | undefined;
  readonly heartbeatIntervalMs?: string | undefined;
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
  const sessionTimeoutMs =
    int(
      '--session-timeout-ms / STREAMTAP_SESSION_TIMEOUT_MS',
      flags.sessionTimeoutMs ?? env.STREAMTAP_SESSION_TIMEOUT_MS,
    ) ?? DEFAULT_GROUP_TIMEOUTS.sessionTimeoutMs;
  const heartbeatIntervalMs =
    int(
      '--heartbeat-interval-ms / STREAMTAP_HEARTBEAT_INTERVAL_MS',
      flags.heartbeatIntervalMs ?? env.STREAMTAP_HEARTBEAT_INTERVAL_MS,
    ) ?? DEFAULT_GROUP_TIMEOUTS.heartbeatIntervalMs;
  if (heartbeatIntervalMs <= 0 || heartbeatIntervalMs >= sessionTimeoutMs)
    throw new Error(
      `the heartbeat interval (${heartbeatIntervalMs} ms) must be above 0 and below the session timeout (${sessionTimeoutMs} ms)`,
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
    group: { sessionTimeoutMs, heartbeatIntervalMs },
  };
}

function badFlag(name: string, value: string): never {
  throw new Error(`${name} must be 1 or 0, got "${value}"`);
}
