// A chunk's insert, retried until ClickHouse accepts it or names the rows it rejects.
import type { EachBatchPayload } from 'kafkajs';
import { isMissingTable, isRejectedData, retryDelayMs, sleepUnlessAborted } from './insert-retry.js';
import type { LoadContext, Pending, TopicPlan } from './topic-plan.js';

/** kafkajs's default heartbeat interval: often enough that a long insert never costs the partition. */
const HEARTBEAT_EVERY_MS = 3_000;

export interface Rejected<T = Pending> {
  readonly item: T;
  readonly error: Error;
}

/** One insert attempt of `part` with dedup token `token`; resolves once ClickHouse accepted it. */
export type SendPart<T> = (part: readonly T[], token: string) => Promise<void>;

/** The decoding path's send: the items' encoded rows through the sink's insert. */
export function sendRows(plan: TopicPlan, ctx: LoadContext): SendPart<Pending> {
  return (part, token) => ctx.sink.insert(plan.spec, { rows: part.map((p) => p.row), dedupToken: token });
}

/**
 * Inserts until ClickHouse accepts. While it fails for reasons of its own (down, overloaded), the
 * partition is paused and the insert retried with backoff, heartbeating so the group keeps the
 * partition here. When ClickHouse blames the data, the rows are bisected (each half with a token derived
 * from the chunk's) until the rejected rows are found; those are returned for the dead-letter topic. With
 * `bisect` false the whole part is returned as rejected instead (the byte path: its caller finds the bad
 * messages by decoding them).
 * Undefined when abandoned (stopping, or the partition was revoked): nothing may be committed.
 */
export async function insertWithRetry<T>(
  payload: EachBatchPayload,
  plan: TopicPlan,
  items: readonly T[],
  token: string,
  ctx: LoadContext,
  send: SendPart<T>,
  bisect = true,
): Promise<Rejected<T>[] | undefined> {
  let resume: (() => void) | undefined;
  try {
    return await insertOrIsolate(items, token);
  } finally {
    resume?.();
  }

  async function insertOrIsolate(part: readonly T[], partToken: string): Promise<Rejected<T>[] | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const started = Date.now();
        await whileHeartbeating(payload, () => send(part, partToken));
        ctx.timing.insertMs += Date.now() - started;
        ctx.outage.recovered(plan.report.table);
        if (resume) {
          resume();
          resume = undefined;
        }
        return [];
      } catch (error) {
        if (isRejectedData(error)) {
          if (!bisect) return part.map((item) => ({ item, error: error as Error }));
          if (part.length === 1) return [{ item: part[0] as T, error: error as Error }];
          const mid = Math.ceil(part.length / 2);
          const left = await insertOrIsolate(part.slice(0, mid), `${partToken}/a`);
          if (left === undefined) return undefined;
          const right = await insertOrIsolate(part.slice(mid), `${partToken}/b`);
          return right === undefined ? undefined : [...left, ...right];
        }
        ctx.outage.failed(plan.report.table, error as Error);
        ctx.emit({
          type: 'insert-failed',
          topic: plan.topic,
          partition: payload.batch.partition,
          attempt,
          error: error as Error,
        });
        resume ??= payload.pause();
        if (!payload.isRunning() || payload.isStale() || ctx.stopping.aborted) return undefined;
        if (!(await sleepUnlessAborted(retryDelayMs(ctx.retry, attempt), ctx.stopping))) return undefined;
        if (isMissingTable(error)) {
          ctx.sink.forget(plan.spec);
          await ctx.sink.ensureTable(plan.spec).catch(() => undefined);
        }
        // Throws while the group rebalances: the chunk is abandoned uncommitted, kafkajs rejoins.
        await payload.heartbeat();
      }
    }
  }
}

/** Keeps the group membership alive during a long insert (kafkajs heartbeats only between calls). */
async function whileHeartbeating<T>(payload: EachBatchPayload, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
