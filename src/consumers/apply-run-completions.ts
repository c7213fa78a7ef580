// The control consumer's work for `write_disposition: replace`: once the data group has loaded every
// record of a completed run, the keys the run no longer returned are marked deleted (run-completion.ts
// explains the protocol).
import type { Admin, EachBatchPayload } from 'kafkajs';
import { retryDelayMs, sleepUnlessAborted } from './insert-retry.js';
import { commitOffset } from './offset-commit.js';
import { decodeRunCompletion, type RunCompletion } from '../contracts/run-completion.js';
import { dataCommitted } from './run-completion.js';
import type { LoadContext, TopicPlan } from './topic-plan.js';

/** How often the data group's commits are checked while a completion waits for its run's records. */
const CONTROL_POLL_MS = 500;

export interface RunCompletionEnv {
  readonly admin: Admin;
  /** the data group, whose commits must cover the run's end offsets */
  readonly groupId: string;
  readonly context: LoadContext;
}

/**
 * The control consumer: each run-completion message waits until the data group has committed the run's
 * end offsets, then marks the keys the run did not return as deleted, then is committed.
 */
export async function applyRunCompletions(
  payload: EachBatchPayload,
  plans: ReadonlyMap<string, TopicPlan>,
  env: RunCompletionEnv,
  committed: (next: bigint) => void,
): Promise<void> {
  const { batch } = payload;
  const ctx = env.context;
  for (const message of batch.messages) {
    if (!payload.isRunning() || payload.isStale() || ctx.stopping.aborted) return;
    let completion: RunCompletion | undefined;
    try {
      completion = decodeRunCompletion(message.value);
    } catch (error) {
      ctx.logger.error(
        { err: error, topic: batch.topic, offset: message.offset },
        'skipping an unreadable control message',
      );
    }
    const plan = completion ? plans.get(completion.topic) : undefined;
    if (completion && plan && plan.spec.writeDisposition === 'replace') {
      if (!(await applyOne(payload, plan, completion, env))) return;
    } else if (completion) {
      ctx.logger.warn(
        { topic: completion.topic, runId: completion.runId },
        'control message for a topic this consumer does not load as replace; skipped',
      );
    }
    payload.resolveOffset(message.offset);
    const next = BigInt(message.offset) + 1n;
    await commitOffset(payload, next);
    committed(next);
  }
}

async function applyOne(
  payload: EachBatchPayload,
  plan: TopicPlan,
  completion: RunCompletion,
  env: RunCompletionEnv,
): Promise<boolean> {
  const ctx = env.context;
  // Every record of the run must be in ClickHouse before absence can mean deletion.
  while (!(await dataCommitted(env.admin, env.groupId, completion))) {
    if (!payload.isRunning() || payload.isStale()) return false;
    if (!(await sleepUnlessAborted(CONTROL_POLL_MS, ctx.stopping))) return false;
    await payload.heartbeat();
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const keys = await ctx.sink.markMissingDeleted(plan.spec, completion);
      ctx.outage.recovered(plan.report.table);
      plan.report.deleted += keys;
      ctx.logger.info(
        { table: plan.report.table, runId: completion.runId, keys },
        'completed full extraction: keys it no longer returned are marked deleted',
      );
      ctx.emit({ type: 'deleted', topic: plan.topic, runId: completion.runId, keys });
      return true;
    } catch (error) {
      ctx.outage.failed(plan.report.table, error as Error);
      if (!payload.isRunning() || payload.isStale()) return false;
      if (!(await sleepUnlessAborted(retryDelayMs(ctx.retry, attempt), ctx.stopping))) return false;
      await payload.heartbeat();
    }
  }
}
