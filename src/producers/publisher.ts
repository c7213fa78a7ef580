// One resource's stream → Avro → Kafka. A batch is sent when it is full or when the stream has
// nothing more buffered; the next records are not pulled until Kafka acknowledged the batch.
import type { IHeaders, Message } from 'kafkajs';
import type { Readable } from 'node:stream';
import type { ResourceCodec } from '../avro/schema-store.js';
import type { ExtractedPage } from '../rest/extract.js';
import { deadLetterHeaders, HEADER } from '../contracts/headers.js';
import { isFailure, type ResourceStreamItem } from './resource-stream.js';
import type { SerialSender } from './serial-sender.js';

export interface PublishTarget {
  readonly source: string;
  readonly resource: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly runId: string;
  readonly codec: ResourceCodec;
  readonly keyOf: (record: unknown) => string;
  readonly nextVersion: () => number;
  readonly maxBatchRecords?: number;
  readonly maxBatchBytes?: number;
}

export interface PublishCounts {
  records: number;
  /** records sent to the dead-letter topic (no key, or not representable) */
  rejected: number;
  /** records whose unknown or mistyped fields went to `_extra` */
  withExtra: number;
  bytes: number;
}

export function emptyCounts(): PublishCounts {
  return { records: 0, rejected: 0, withExtra: 0, bytes: 0 };
}

/**
 * Batches go out one at a time (the idempotent producer's rule) but without idling: while a batch is in
 * flight the next one fills; it leaves as soon as the previous one is acknowledged, or earlier when it
 * is full. So a slow API gets small prompt batches and a fast one large batches, with encoding and the
 * network overlapped. `counts` is updated as batches are acknowledged, so a failure mid-stream still
 * reports what was published.
 */
export async function publishResource(
  stream: Readable,
  sender: SerialSender,
  target: PublishTarget,
  counts: PublishCounts = emptyCounts(),
): Promise<PublishCounts> {
  const maxBatch = target.maxBatchRecords ?? 5000;
  // Well under the broker's default message.max.bytes (1 MiB) per partition once spread over partitions.
  const maxBatchBytes = target.maxBatchBytes ?? 2 * 1024 * 1024;
  let batch: Message[] = [];
  let batchBytes = 0;
  let dead: Message[] = [];
  let lastPage: ExtractedPage | undefined;
  let headers: IHeaders = {};
  let extractedAt = 0;
  let inFlight: Promise<void> | undefined;
  let sendFailure: Error | undefined;

  const send = (): void => {
    const sent = batch;
    const rejected = dead;
    batch = [];
    dead = [];
    batchBytes = 0;
    inFlight = sender
      .send([
        { topic: target.topic, messages: sent },
        { topic: target.deadLetterTopic, messages: rejected },
      ])
      .then(
        () => {
          counts.records += sent.length;
          counts.rejected += rejected.length;
        },
        (error: unknown) => {
          sendFailure = error as Error;
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
  };
  const drain = async (): Promise<void> => {
    await inFlight;
    if (sendFailure) throw sendFailure;
  };
  const flush = async (): Promise<void> => {
    await drain();
    if (batch.length > 0 || dead.length > 0) send();
    await drain();
  };

  for await (const item of stream as AsyncIterable<ResourceStreamItem>) {
    if (isFailure(item)) {
      await flush();
      throw item.failure;
    }
    if (item.page !== lastPage) {
      lastPage = item.page;
      extractedAt = item.page.fetchedAt;
      // Bytes once per page rather than text kafkajs encodes again for every record; same header bytes.
      headers = {
        [HEADER.source]: Buffer.from(target.source),
        [HEADER.resource]: Buffer.from(target.resource),
        [HEADER.extractedAt]: Buffer.from(new Date(extractedAt).toISOString()),
        [HEADER.runId]: Buffer.from(target.runId),
      };
    }
    try {
      const key = target.keyOf(item.data);
      const { bytes, extra } = target.codec.write(item.data, {
        extractedAt,
        runId: target.runId,
        nextVersion: target.nextVersion,
      });
      if (extra !== null) counts.withExtra++;
      counts.bytes += bytes.length;
      batchBytes += bytes.length;
      batch.push({ key, value: bytes, headers });
    } catch (error) {
      dead.push({
        key: null,
        value: Buffer.from(JSON.stringify(item.data) ?? 'null'),
        headers: { ...headers, ...deadLetterHeaders(error as Error, item.page.url) },
      });
    }
    if (sendFailure) throw sendFailure;
    if (batch.length >= maxBatch || batchBytes >= maxBatchBytes) {
      await drain();
      send();
    } else if (inFlight === undefined && (batch.length > 0 || dead.length > 0)) {
      // The producer is idle: send what there is rather than wait for a full batch.
      send();
    }
  }
  await flush();
  return counts;
}
