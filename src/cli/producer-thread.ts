// `run`'s producer on a thread of its own, so the consumer beside it has this thread's event loop to
// itself: extraction, parsing, shaping and Avro encoding there (and kafkajs on the producer's sender
// thread), decoding and loading here. The thread builds its context again from the context's recipe (a
// config may hold functions, which cannot be sent), with this thread's base URL and environment (the
// stand-in's, when one runs); its observer events, log lines and errors (with their codes) come back here.
import type { Worker } from 'node:worker_threads';
import type { ProduceObserver } from '../observability/events.js';
import type { ProduceReport } from '../producers/produce.js';
import { fromErrorPayload, type ErrorPayload } from '../threads/errors.js';
import { isLogLine, relayLog } from '../threads/log.js';
import { startWorker } from '../threads/spawn.js';
import { runProduce } from './commands.js';
import type { Context, ContextRecipe } from './context.js';

/** What the producer thread is started with. */
export interface ProducerWorkerData {
  readonly recipe: ContextRecipe;
  readonly baseUrl: string;
  readonly env: NodeJS.ProcessEnv;
  readonly resources: readonly string[] | undefined;
  readonly newTables: readonly string[] | undefined;
  readonly logLevel: string;
}

type ObserverEvent = keyof ProduceObserver;

export type ProducerMessage =
  | {
      readonly type: 'observe';
      readonly event: ObserverEvent;
      readonly payload: unknown;
      readonly error?: ErrorPayload;
    }
  | { readonly type: 'done'; readonly report: ProduceReport }
  | { readonly type: 'failed'; readonly error: ErrorPayload };

/**
 * `runProduce` on a thread of its own, when the context has a recipe; on this thread otherwise. Resolves
 * with the report, or rejects with the producer's error (same code, so the same exit code). It settles
 * only once the thread has exited: nothing of it outlives the call.
 */
export async function runProduceOnThread(ctx: Context, resources?: readonly string[]): Promise<ProduceReport> {
  if (!ctx.recipe) return runProduce(ctx, resources);
  const worker = startWorker(new URL(`./producer-worker${extension()}`, import.meta.url), {
    recipe: ctx.recipe,
    baseUrl: ctx.source.baseUrl,
    env: { ...ctx.env },
    resources: resources ? [...resources] : undefined,
    newTables: ctx.newTables ? [...ctx.newTables] : undefined,
    logLevel: ctx.logger.level,
  } satisfies ProducerWorkerData);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  try {
    return await outcome(worker, ctx, exited);
  } finally {
    await worker.terminate();
    await exited;
  }
}

function outcome(worker: Worker, ctx: Context, exited: Promise<number>): Promise<ProduceReport> {
  return new Promise<ProduceReport>((resolve, reject) => {
    worker.on('message', (message: ProducerMessage | unknown) => {
      if (isLogLine(message)) return relayLog(ctx.logger, message);
      const m = message as ProducerMessage;
      if (m.type === 'done') resolve(m.report);
      else if (m.type === 'failed') reject(fromErrorPayload(m.error));
      else observe(ctx.observer, m);
    });
    worker.once('error', reject);
    void exited.then((code) =>
      reject(new Error(`the producer thread exited (code ${code}) before it reported its outcome`)),
    );
  });
}

function observe(observer: ProduceObserver | undefined, m: Extract<ProducerMessage, { type: 'observe' }>): void {
  const call = observer?.[m.event] as ((payload: unknown, error?: unknown) => void) | undefined;
  call?.call(observer, m.payload, m.error ? fromErrorPayload(m.error) : undefined);
}

// The worker module has this module's own extension: .ts from source (tsx), .js once built.
function extension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}
