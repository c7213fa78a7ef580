// The producer's Kafka client on a thread of its own. Fetching pages, JSON parsing, record shaping and
// Avro encoding stay on the producing thread; kafkajs's own per-record work (record and request encoding,
// CRC32C, compression) and the wait for acks move to the sender thread, so the two overlap on two cores.
// Semantics are those of SerialSender: one idempotent producer, one sendBatch at a time in call order,
// a send resolves only once Kafka acknowledged it (acks=all), so backpressure reaches the Readable as before.
import type { Worker } from 'node:worker_threads';
import type { KafkaSettings } from '../kafka/client.js';
import type { Logger } from '../log.js';
import { fromErrorPayload, type ErrorPayload } from '../threads/errors.js';
import { isLogLine, relayLog } from '../threads/log.js';
import { startWorker } from '../threads/spawn.js';
import { packBatches, type PackedTopicBatch } from './batch-wire.js';
import type { BatchSender, TopicBatch } from './serial-sender.js';

/** What the sender thread is started with. */
export interface SenderWorkerData {
  readonly kafka: KafkaSettings;
  readonly logLevel: string;
}

export type SenderRequest =
  | { readonly type: 'connect'; readonly id: number }
  | { readonly type: 'send'; readonly id: number; readonly batches: PackedTopicBatch[] }
  | { readonly type: 'disconnect'; readonly id: number };

export type SenderReply =
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'failed'; readonly id: number; readonly error: ErrorPayload };

/**
 * The sender thread holds at most the batch in flight and the one being handed over (each ≤ 2 MiB, see
 * publisher.ts) and kafkajs's encoding of it: a small young generation keeps its memory small (measured:
 * Node's default one added ~70 MB to the producer's peak RSS) and an old generation cap far above what it
 * holds turns a leak into an error of the run instead of a machine out of memory.
 */
const SENDER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 256 };

/** Raised for every call still waiting when the sender thread stops without answering it. */
export class SenderThreadExitedError extends Error {
  constructor(detail: string, options?: { cause?: unknown }) {
    super(`the Kafka sender thread stopped: ${detail}`, options);
    this.name = 'SenderThreadExitedError';
  }
}

/**
 * A BatchSender whose kafkajs producer lives on a worker thread. `start()` connects it (with the same
 * retries as on this thread); `close()` disconnects it and waits until the thread has exited, on every
 * path: nothing of it outlives the call. An uncaught error on the thread fails every waiting call with it.
 */
export class ThreadSender implements BatchSender {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private stopped: Error | undefined;
  /** resolves with the thread's exit code once it has exited */
  readonly exited: Promise<number>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve));
  }

  /** Starts the thread and connects its producer; throws the connect failure, leaving no thread behind. */
  static async start(settings: KafkaSettings, logger: Logger): Promise<ThreadSender> {
    const worker = startWorker(
      new URL(`./sender-worker${extension()}`, import.meta.url),
      { kafka: settings, logLevel: logger.level } satisfies SenderWorkerData,
      SENDER_HEAP_LIMITS,
    );
    const sender = new ThreadSender(worker);
    worker.on('message', (message: SenderReply | unknown) => {
      if (isLogLine(message)) return relayLog(logger, message);
      sender.settle(message as SenderReply);
    });
    worker.on('error', (error) => sender.fail(new SenderThreadExitedError(error.message, { cause: error })));
    worker.on('exit', (code) => sender.fail(new SenderThreadExitedError(`exit code ${code}`)));
    try {
      await sender.request({ type: 'connect', id: sender.nextId++ }, []);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return sender;
  }

  send(batches: readonly TopicBatch[]): Promise<void> {
    const { packed, transfer } = packBatches(batches);
    if (packed.length === 0) return Promise.resolve();
    return this.request({ type: 'send', id: this.nextId++, batches: packed }, transfer);
  }

  /** Disconnects the producer (after the sends already made) and waits for the thread to exit. */
  async close(): Promise<void> {
    try {
      if (!this.stopped) await this.request({ type: 'disconnect', id: this.nextId++ }, []);
    } finally {
      await this.worker.terminate();
      await this.exited;
    }
  }

  private request(message: SenderRequest, transfer: ArrayBuffer[]): Promise<void> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(message.id, { resolve, reject });
      this.worker.postMessage(message, transfer);
    });
  }

  private settle(reply: SenderReply): void {
    const call = this.waiting.get(reply.id);
    if (!call) return;
    this.waiting.delete(reply.id);
    if (reply.type === 'done') call.resolve();
    else call.reject(fromErrorPayload(reply.error));
  }

  private fail(error: Error): void {
    this.stopped ??= error;
    for (const call of this.waiting.values()) call.reject(this.stopped);
    this.waiting.clear();
  }
}

// The worker module has this module's own extension: .ts from source (tsx), .js once built.
function extension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}
