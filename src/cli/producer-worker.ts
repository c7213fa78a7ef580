// The producer thread (see producer-thread.ts): builds the context from its recipe, runs the producer,
// and reports observer events, log lines and the outcome to the thread that started it.
import { parentPort, workerData } from 'node:worker_threads';
import { createKafka, kafkaSettingsOf } from '../kafka/client.js';
import { silentLogger } from '../log.js';
import type { ProduceObserver } from '../observability/events.js';
import { toErrorPayload } from '../threads/errors.js';
import { workerLogger } from '../threads/log.js';
import { runProduce } from './commands.js';
import type { Context } from './context.js';
import type { ProducerMessage, ProducerWorkerData } from './producer-thread.js';

const port = parentPort;
if (!port) throw new Error('producer-worker.ts runs on a worker thread (see producer-thread.ts)');
const data = workerData as ProducerWorkerData;
const post = (message: ProducerMessage): void => port.postMessage(message);

const forward =
  (event: keyof ProduceObserver) =>
  (payload: unknown, error?: unknown): void =>
    post({ type: 'observe', event, payload, ...(error === undefined ? {} : { error: toErrorPayload(error) }) });

const observer: ProduceObserver = {
  resourceStarted: forward('resourceStarted'),
  page: forward('page'),
  retry: forward('retry'),
  resourceFinished: forward('resourceFinished'),
};

try {
  const module = (await import(data.recipe.module)) as Record<string, (...args: unknown[]) => Promise<Context>>;
  const build = module[data.recipe.name];
  if (typeof build !== 'function') throw new Error(`${data.recipe.module} exports no function ${data.recipe.name}`);
  // Silent while building: the starting thread already said what loading the config says.
  const built = await build(...data.recipe.args, { logger: silentLogger });
  // Log lines go through the starting thread's logger; Kafka's client logs through it too.
  const logger = workerLogger(port, data.logLevel);
  const settings = kafkaSettingsOf(built.kafka);
  const ctx: Context = {
    ...built,
    logger,
    kafka: settings ? createKafka(settings, logger) : built.kafka,
    source: { ...built.source, baseUrl: data.baseUrl },
    env: data.env,
    secrets: { env: data.env },
    observer,
    newTables: data.newTables,
  };
  post({ type: 'done', report: await runProduce(ctx, data.resources) });
} catch (error) {
  post({ type: 'failed', error: toErrorPayload(error) });
}
port.close();
