// The commands themselves, separate from argument parsing so tests can call them in-process.
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { describeClickHouse } from '../clickhouse/client.js';
import { secretNames, type ResolvedSource } from '../config/source.js';
import { consume, type ConsumeReport } from '../consumers/consume.js';
import { consumerSettings, type ConsumerSettings } from '../consumers/settings.js';
import { quoteIdentifier } from '../clickhouse/quote.js';
import { startMockApi, type MockApi, type MockApiOptions } from '../mock-api/index.js';
import { selectResources } from '../config/select.js';
import { produce, type ProduceReport } from '../producers/produce.js';
import type { RetryPolicy } from '../rest/retry.js';
import type { Context } from './context.js';
import { schemaRegistryFromEnv } from '../avro/registry.js';
import { topicLayoutFromEnv } from '../kafka/topic-layout.js';

export interface StandIn {
  readonly api: MockApi;
  readonly context: Context;
}

/** Points a context at a freshly started local stand-in API, with a throwaway token. */
export async function withStandIn(context: Context, options: MockApiOptions = {}): Promise<StandIn> {
  const token = randomBytes(16).toString('hex');
  const api = await startMockApi({ ...options, token });
  const env = { ...context.env };
  for (const name of secretNames(context.source)) env[`STREAMTAP_SECRET_${name.toUpperCase()}`] = token;
  const source: ResolvedSource = { ...context.source, baseUrl: api.url };
  context.logger.info({ url: api.url }, 'using the local stand-in API (no API key given)');
  return { api, context: { ...context, source, env, secrets: { env } } };
}

export async function runProduce(
  context: Context,
  resources?: readonly string[],
  retry?: Partial<RetryPolicy>,
): Promise<ProduceReport> {
  return produce({
    source: context.source,
    kafka: context.kafka,
    schemasDir: context.schemasDir,
    secrets: context.secrets,
    logger: context.logger,
    resources,
    retry,
    observer: context.observer,
    newTables: context.newTables,
    topics: topicLayoutFromEnv(context.env),
    // The context's environment decides the wire format, not whatever the process happens to export.
    schemaRegistry: schemaRegistryFromEnv(context.env) ?? null,
  });
}

export interface RunConsumeOptions {
  readonly context: Context;
  readonly clickhouse: ClickHouseClient;
  /** `caught-up`: stop once every partition is committed up to its end offset; `signal`: run until `signal` aborts */
  readonly until: 'caught-up' | 'signal';
  /** resource names to load; default every resource of the source */
  readonly resources?: readonly string[] | undefined;
  /** aborting it stops the consumer cleanly (the chunk in flight is finished or abandoned uncommitted) */
  readonly signal?: AbortSignal | undefined;
  /** batch, group id, topology, shutdown timeout; default `consumerSettings({}, context.env)` (env vars, then built-in defaults) */
  readonly settings?: ConsumerSettings | undefined;
  /** with `caught-up`: read the end offsets to reach only once this settles (a producer running beside) */
  readonly catchUpAfter?: Promise<unknown> | undefined;
}

/** The `consume` command's data path: consume() with the context's source, Kafka, schemas and observer. */
export async function runConsume(options: RunConsumeOptions): Promise<ConsumeReport> {
  const { context, clickhouse, until, resources, signal, catchUpAfter } = options;
  const settings = options.settings ?? consumerSettings({}, context.env);
  context.logger.info({ clickhouse: describeClickHouse(context.clickhouse), batch: settings.batch }, 'consuming');
  return consume({
    batch: settings.batch,
    groupId: settings.groupId,
    topology: settings.topology,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    sessionTimeoutMs: settings.group.sessionTimeoutMs,
    heartbeatIntervalMs: settings.group.heartbeatIntervalMs,
    source: context.source,
    kafka: context.kafka,
    clickhouse,
    schemasDir: context.schemasDir,
    logger: context.logger,
    resources,
    until,
    signal,
    catchUpAfter,
    topics: topicLayoutFromEnv(context.env),
    onEvent: context.observer?.consumer,
  });
}

export interface RunOutcome {
  readonly produced: ProduceReport;
  readonly consumed: ConsumeReport;
}

/**
 * `run`'s data path: the consumer starts beside the producer and loads while extraction goes on, then
 * stops once it has caught up with everything the producer wrote. Run one after the other, the two
 * stages' times would add up; side by side, the engine inserts while the event loop extracts and encodes.
 */
export async function produceAndConsume(
  context: Context,
  clickhouse: ClickHouseClient,
  produce: () => Promise<ProduceReport>,
  options: {
    resources?: readonly string[] | undefined;
    signal?: AbortSignal | undefined;
    settings?: ConsumerSettings;
  } = {},
): Promise<RunOutcome> {
  const producing = produce();
  const consuming = runConsume({
    context,
    clickhouse,
    until: 'caught-up',
    resources: options.resources,
    signal: options.signal,
    settings: options.settings,
    catchUpAfter: producing,
  });
  // Both settle before either error surfaces: a failed extraction still has its written records loaded.
  const [produced, consumed] = await Promise.allSettled([producing, consuming]);
  if (produced.status === 'rejected') throw produced.reason;
  if (consumed.status === 'rejected') throw consumed.reason;
  return { produced: produced.value, consumed: consumed.value };
}

export interface TableCount {
  readonly table: string;
  readonly rows: number;
  /** counted through FINAL (a merge/replace table); false for an append table */
  readonly final: boolean;
}

/**
 * Row counts as analysts see them: one row per key, through the `<table>_latest` view, which is FINAL for
 * merge and replace tables and the latest row per key for append tables (a plain MergeTree refuses FINAL).
 */
export async function tableCounts(
  context: Context,
  clickhouse: ClickHouseClient,
  resources?: readonly string[],
): Promise<TableCount[]> {
  const out: TableCount[] = [];
  for (const r of selectResources(context.source, resources)) {
    const view = `${quoteIdentifier(context.source.name)}.${quoteIdentifier(`${r.tableName}_latest`)}`;
    const rs = await clickhouse.query({ query: `SELECT count() AS n FROM ${view}`, format: 'JSONEachRow' });
    const [row] = await rs.json<{ n: string | number }>();
    out.push({
      table: `${context.source.name}.${r.tableName}`,
      rows: Number(row?.n ?? 0),
      final: r.writeDisposition !== 'append',
    });
  }
  return out;
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
