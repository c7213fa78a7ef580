// `produce` and `run`, once or on a schedule (`--every 15m`), and the operations wrapper of `consume`.
// A scheduled process keeps going when a resource fails — the failure is logged, counted in the
// metrics and recorded in the runs topic for `status` — and stops cleanly on SIGINT/SIGTERM after the
// cycle in flight. Its exit code is that of the last finished cycle: 0 when every resource succeeded.
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClickHouse } from '../clickhouse/client.js';
import { classifyFailure } from '../errors.js';
import { consumerSettings, type ConsumerFlags } from '../consumers/settings.js';
import { topicName } from '../contracts/topics.js';
import type { Logger } from '../log.js';
import type { ResourceResult } from '../observability/events.js';
import { recordRuns, toRunRecord } from '../observability/runs.js';
import { topicLayoutFromEnv } from '../kafka/topic-layout.js';
import { selectResources } from '../config/select.js';
import { type ProduceReport } from '../producers/produce.js';
import { formatTable, produceAndConsume, runProduce, tableCounts } from './commands.js';
import { inferMissingSchemas } from './schema-infer.js';
import { runProduceOnThread } from './producer-thread.js';
import type { CommonFlags, Context } from './context.js';
import { Ops, type OpsFlags } from './ops.js';
import { formatSummary } from './progress.js';
import { parseDuration } from './settings.js';
import { sleep } from '../retry.js';
import {
  applyHeapGrowingPercent,
  HEAP_GROWING_ENV,
  heapGrowingPercent,
  PRODUCER_HEAP_GROWING_PERCENT,
} from './heap-growth.js';

export type ScheduleFlags = CommonFlags & OpsFlags & { readonly every?: string | undefined };

export async function produceCommand(ctx: Context, flags: ScheduleFlags): Promise<number> {
  applyHeapGrowingPercent(heapGrowingPercent(ctx.env[HEAP_GROWING_ENV], PRODUCER_HEAP_GROWING_PERCENT));
  const every = everyMs(ctx.env);
  const newTables = (await inferMissingSchemas(ctx, flags.resource)).map((r) => r.resource);
  const ops = await Ops.start(ctx, flags, { command: 'produce' });
  const stop = every === undefined ? undefined : stopOnSignals();
  try {
    return await schedule(every, stop?.signal, ctx.logger, async (cycle) => {
      if (cycle > 1) ops.nextCycle();
      const report = await produceCycle(
        { ...ctx, observer: ops.observer, newTables: cycle === 1 ? newTables : undefined },
        ops,
        flags.resource,
        every !== undefined,
      );
      ops.stopDisplay();
      console.log(formatSummary(report.resources));
      return report.ok;
    });
  } finally {
    stop?.dispose();
    await ops.close();
  }
}

export async function runCommand(ctx: Context, flags: ScheduleFlags): Promise<number> {
  // V8's own heuristics unless set: the consumer's main thread in this process scavenges more with a fixed factor.
  applyHeapGrowingPercent(heapGrowingPercent(ctx.env[HEAP_GROWING_ENV], 0));
  const every = everyMs(ctx.env);
  const newTables = (await inferMissingSchemas(ctx, flags.resource)).map((r) => r.resource);
  const ch = await openClickHouse(ctx.clickhouse);
  const settings = consumerSettings({}, ctx.env);
  const stop = every === undefined ? undefined : stopOnSignals();
  let ops: Ops | undefined;
  try {
    ops = await Ops.start(ctx, flags, {
      command: 'run',
      clickhouse: ch,
      groupId: settings.groupId ?? `streamtap.${ctx.source.name}`,
    });
    const live = ops;
    return await schedule(every, stop?.signal, ctx.logger, async (cycle) => {
      if (cycle > 1) live.nextCycle();
      const octx: Context = { ...ctx, observer: live.observer, newTables: cycle === 1 ? newTables : undefined };
      await live.watchLag();
      const { produced, consumed } = await produceAndConsume(
        octx,
        ch,
        // The producer on a thread of its own: the consumer keeps this thread's event loop to itself.
        () => produceCycle(octx, live, flags.resource, every !== undefined, runProduceOnThread),
        {
          resources: flags.resource,
          signal: stop?.signal,
          settings,
        },
      );
      live.stopLag();
      live.stopDisplay();
      console.log(formatSummary(produced.resources));
      for (const t of consumed.skipped)
        console.error(`streamtap: ${t.table} was not loaded, its table cannot be set up: ${t.error.message}`);
      const loaded = selectResources(octx.source, flags.resource)
        .map((r) => r.name)
        .filter((name) => !consumed.skipped.some((t) => t.resource === name));
      const counts = await tableCounts(octx, ch, loaded);
      console.log(
        `\n${formatTable(
          ['table', 'rows (latest)'],
          counts.map((c) => [c.table, String(c.rows)]),
        )}`,
      );
      const first = counts[0];
      if (first && cycle === 1)
        console.log(`\nTry:  npx streamtap sql "SELECT * FROM ${first.table}${first.final ? ' FINAL' : ''} LIMIT 5"`);
      return produced.ok && consumed.skipped.length === 0;
    });
  } finally {
    stop?.dispose();
    await ops?.close();
    await ch.close();
  }
}

/**
 * `consume` with its operations around it: an open ClickHouse client, the progress display, metrics,
 * lag, and the query endpoint of an embedded engine. `fn` gets a context whose observer sees it all.
 */
export async function withOperations<T>(
  ctx: Context,
  flags: CommonFlags & OpsFlags & ConsumerFlags,
  command: string,
  fn: (ctx: Context, clickhouse: ClickHouseClient) => Promise<T>,
): Promise<T> {
  const ch = await openClickHouse(ctx.clickhouse);
  let ops: Ops | undefined;
  try {
    const groupId = consumerSettings(flags, ctx.env).groupId ?? `streamtap.${ctx.source.name}`;
    ops = await Ops.start(ctx, flags, { command, clickhouse: ch, groupId });
    await ops.watchLag();
    return await fn({ ...ctx, observer: ops.observer }, ch);
  } finally {
    await ops?.close();
    await ch.close();
  }
}

async function produceCycle(
  ctx: Context,
  ops: Ops,
  resources: readonly string[] | undefined,
  scheduled: boolean,
  produce: (ctx: Context, resources: readonly string[] | undefined) => Promise<ProduceReport> = runProduce,
): Promise<ProduceReport> {
  let report: ProduceReport;
  try {
    report = await produce(ctx, resources);
  } catch (error) {
    // A wrong config or a missing schema or secret will not fix itself: stop, scheduled or not.
    if (!scheduled || classifyFailure(error).permanent) throw error;
    ctx.logger.error({ err: error }, 'extraction failed before its resources ran; trying again at the next tick');
    const message = (error as Error).message;
    const results = selectResources(ctx.source, resources).map((r): ResourceResult => ({
      resource: r.name,
      topic: topicName(ctx.source.name, r.tableName),
      ok: false,
      pages: 0,
      records: 0,
      rejected: 0,
      withExtra: 0,
      bytes: 0,
      retries: 0,
      durationMs: 0,
      error: message,
    }));
    for (const r of results) ops.observer.resourceFinished?.(r, error);
    report = { runId: randomUUID(), ok: false, resources: results };
  }
  try {
    await recordRuns(
      ctx.kafka,
      report.resources.map((r) => toRunRecord(ctx.source.name, report.runId, r)),
      topicLayoutFromEnv(ctx.env),
    );
  } catch (error) {
    ctx.logger.warn({ err: error }, 'could not record the extraction in the runs topic; `status` will not show it');
  }
  const failed = report.resources.filter((r) => !r.ok).map((r) => r.resource);
  if (failed.length > 0) ctx.logger.error({ runId: report.runId, failed }, 'extraction finished with failed resources');
  else ctx.logger.info({ runId: report.runId, resources: report.resources.length }, 'extraction finished');
  return report;
}

function everyMs(env: NodeJS.ProcessEnv): number | undefined {
  return env.STREAMTAP_EVERY ? parseDuration(env.STREAMTAP_EVERY) : undefined;
}

/**
 * Runs `cycle` once, or every `every` ms at a fixed rate measured from each cycle's start. A cycle that
 * overruns its interval is followed by the next tick still ahead (missed ticks are skipped and logged),
 * never by a burst of catch-up runs. Returns the exit code of the last cycle.
 */
export async function schedule(
  every: number | undefined,
  signal: AbortSignal | undefined,
  logger: Logger,
  cycle: (n: number) => Promise<boolean>,
  clock: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<unknown> } = {
    now: Date.now,
    sleep,
  },
): Promise<number> {
  for (let n = 1; ; n++) {
    const started = clock.now();
    const ok = await cycle(n);
    const code = ok ? 0 : 1;
    if (every === undefined || signal?.aborted) return code;
    const { at, skipped } = nextTick(started, every, clock.now());
    if (skipped > 0)
      logger.warn(
        { cycle: n, skipped, everyMs: every },
        'the extraction took longer than the interval; skipping the missed ticks',
      );
    logger.info({ cycle: n, ok, next: new Date(at).toISOString() }, 'next extraction scheduled');
    await clock.sleep(at - clock.now(), signal);
    if (signal?.aborted) return code;
  }
}

/** The first tick `started + k·every` (k ≥ 1) that is still ahead of `now`. */
export function nextTick(started: number, every: number, now: number): { at: number; skipped: number } {
  const k = Math.max(1, Math.floor((now - started) / every) + 1);
  return { at: started + k * every, skipped: k - 1 };
}

/** First SIGINT/SIGTERM: finish the cycle in flight, then stop; a second one exits at once. */
function stopOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (abort.signal.aborted) process.exit(130);
    console.error(`${signal}: finishing the current cycle, then stopping (send again to exit now)`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: abort.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
