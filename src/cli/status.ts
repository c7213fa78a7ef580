// `streamtap status`: per resource, the last extraction (from the runs topic), the topic's end offsets,
// the consumer group's lag, and the row count in ClickHouse through FINAL. Exit 0 when every resource's
// last extraction succeeded and Kafka answered; 1 otherwise.
import { quoteIdentifier, sqlString } from '../clickhouse/quote.js';
import { consumerSettings } from '../consumers/settings.js';
import { retryRetriable } from '../kafka/client.js';
import { deadLetterTopic, topicName } from '../contracts/topics.js';
import { fetchLag, sumLag, type PartitionLag } from '../observability/lag.js';
import { openQueryClient, type QueryClient } from '../observability/query-endpoint.js';
import { readLastRuns, type RunRecord } from '../observability/runs.js';
import { runsTopic } from '../contracts/topics.js';
import { selectResources } from '../config/select.js';
import { formatTable } from './commands.js';
import type { Admin } from 'kafkajs';
import type { Context } from './context.js';

export interface ResourceStatus {
  readonly resource: string;
  readonly topic: string;
  readonly table: string;
  readonly lastRun: RunRecord | null;
  /** end offset (next offset to be written) per partition */
  readonly endOffsets: Readonly<Record<string, string>>;
  /** messages on the topic now (end minus start offsets; less than the end after retention or compaction) */
  readonly messages: string;
  /** messages the consumer group has not committed, or null when the topic does not exist yet */
  readonly lag: string | null;
  /**
   * messages on the resource's dead-letter topic `<topic>.dlq` (end minus start offsets), both the
   * producer's (records it could not publish, `discard_row`) and the consumer's (records ClickHouse
   * refused); `"0"` when that topic does not exist yet
   */
  readonly deadLetters: string;
  /** one row per key, or null when the table does not exist or ClickHouse could not be asked */
  readonly rows: number | null;
}

export interface StatusReport {
  readonly source: string;
  readonly groupId: string;
  readonly runsTopic: string;
  readonly clickhouse: string;
  /** why row counts are missing, when they are */
  readonly clickhouseError?: string;
  readonly resources: readonly ResourceStatus[];
  readonly ok: boolean;
}

export async function collectStatus(
  ctx: Context,
  resources?: readonly string[],
  group?: string,
): Promise<StatusReport> {
  const selected = selectResources(ctx.source, resources);
  const groupId = consumerSettings({ group }, ctx.env).groupId ?? `streamtap.${ctx.source.name}`;
  const topics = selected.map((r) => topicName(ctx.source.name, r.tableName));
  const admin = ctx.kafka.admin();
  await retryRetriable(() => admin.connect());
  let lag: PartitionLag[];
  let runs: Map<string, RunRecord>;
  let letters: Map<string, bigint>;
  try {
    [lag, runs, letters] = await Promise.all([
      fetchLag(admin, groupId, topics),
      readLastRuns(ctx.kafka, ctx.source.name),
      messagesOn(admin, topics.map(deadLetterTopic)),
    ]);
  } finally {
    await admin.disconnect();
  }

  let ch: QueryClient | undefined;
  let clickhouseError: string | undefined;
  try {
    ch = await openQueryClient(ctx.clickhouse);
  } catch (error) {
    clickhouseError = (error as Error).message;
  }
  // A server that stops answering mid-way leaves the rest of the report standing: rows unknown, and why.
  const unavailable = (error: Error): null => {
    clickhouseError ??= error.message;
    return null;
  };
  const out: ResourceStatus[] = [];
  try {
    for (const r of selected) {
      const topic = topicName(ctx.source.name, r.tableName);
      const partitions = lag.filter((p) => p.topic === topic);
      out.push({
        resource: r.name,
        topic,
        table: `${ctx.source.name}.${r.tableName}`,
        lastRun: runs.get(r.name) ?? null,
        endOffsets: Object.fromEntries(partitions.map((p) => [String(p.partition), p.high.toString()])),
        messages: partitions.reduce((n, p) => n + (p.high - p.low), 0n).toString(),
        lag: partitions.length === 0 ? null : sumLag(partitions).toString(),
        deadLetters: (letters.get(deadLetterTopic(topic)) ?? 0n).toString(),
        rows:
          ch && clickhouseError === undefined
            ? await countRows(ch, ctx.source.name, r.tableName).catch(unavailable)
            : null,
      });
    }
  } finally {
    await ch?.close();
  }
  return {
    source: ctx.source.name,
    groupId,
    runsTopic: runsTopic(ctx.source.name),
    clickhouse: ch?.via ?? 'unavailable',
    ...(clickhouseError ? { clickhouseError } : {}),
    resources: out,
    ok: out.every((r) => r.lastRun?.outcome !== 'failure'),
  };
}

/** Messages on each of `topics` that exists (end minus start offsets, over its partitions). */
async function messagesOn(admin: Admin, topics: readonly string[]): Promise<Map<string, bigint>> {
  const existing = new Set(await retryRetriable(() => admin.listTopics()));
  const out = new Map<string, bigint>();
  for (const topic of topics.filter((t) => existing.has(t))) {
    const offsets = await retryRetriable(() => admin.fetchTopicOffsets(topic));
    out.set(
      topic,
      offsets.reduce((n, p) => n + BigInt(p.high) - BigInt(p.low), 0n),
    );
  }
  return out;
}

/**
 * Rows as `run` counts them: through the `<table>_latest` view (FINAL for merge/replace tables; for append
 * tables, which are MergeTree and refuse FINAL, the latest row per key, or every row without a key).
 */
async function countRows(ch: QueryClient, database: string, table: string): Promise<number | null> {
  const exists = await ch.query(
    `SELECT count() FROM system.tables WHERE database = ${sqlString(database)} AND name = ${sqlString(table)}`,
  );
  if (Number(exists.rows[0]?.[0] ?? 0) === 0) return null;
  const result = await ch.query(
    `SELECT count() FROM ${quoteIdentifier(database)}.${quoteIdentifier(`${table}_latest`)}`,
  );
  return Number(result.rows[0]?.[0] ?? 0);
}

export function formatStatus(report: StatusReport, now = Date.now()): string {
  const rows = report.resources.map((r) => [
    r.resource,
    r.lastRun
      ? `${r.lastRun.finishedAt.replace('T', ' ').slice(0, 19)} (${ago(now - Date.parse(r.lastRun.finishedAt))})`
      : 'never',
    r.lastRun
      ? r.lastRun.outcome === 'success'
        ? r.lastRun.warnings?.length
          ? 'ok, WARNINGS'
          : 'ok'
        : 'FAILED'
      : '-',
    r.lastRun ? String(r.lastRun.records) : '-',
    Object.keys(r.endOffsets).length === 0 ? '-' : Object.values(r.endOffsets).join('/'),
    r.lag ?? '-',
    r.deadLetters,
    r.rows === null ? '-' : String(r.rows),
  ]);
  const lines = [
    `source ${report.source}  ·  consumer group ${report.groupId}  ·  ClickHouse: ${report.clickhouse}`,
    '',
    formatTable(
      [
        'resource',
        'last extraction (UTC)',
        'outcome',
        'records',
        'end offsets',
        'lag',
        'dead letters',
        'rows (latest)',
      ],
      rows,
    ),
  ];
  for (const r of report.resources) if (r.lastRun?.error) lines.push(`${r.resource}: ${r.lastRun.error}`);
  for (const r of report.resources) {
    const run = r.lastRun;
    const parts = [
      run?.rejected ? `${run.rejected} records could not be published` : '',
      run?.discardedRows ? `${run.discardedRows} records discarded by schema_contract discard_row` : '',
      run?.discardedValues ? `${run.discardedValues} values dropped by schema_contract discard_value` : '',
    ].filter(Boolean);
    if (parts.length > 0)
      lines.push(`${r.resource}: last extraction: ${parts.join('; ')} (\`streamtap dlq inspect\` reads the letters)`);
  }
  for (const r of report.resources)
    for (const warning of r.lastRun?.warnings ?? []) lines.push(`${r.resource}: warning: ${warning}`);
  if (report.clickhouseError) lines.push(`row counts unavailable: ${report.clickhouseError}`);
  return lines.join('\n');
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
