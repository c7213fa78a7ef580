// One resource's stream → Avro → Kafka. A batch is sent when it is full or when the stream has
// nothing more buffered; the next records are not pulled until Kafka acknowledged the batch.
import { stringifyExact } from '../json/exact-json.js';
import type { IHeaders, Message } from 'kafkajs';
import type { Readable } from 'node:stream';
import type { ResourceCodec } from '../avro/schema-store.js';
import { ColumnsToAdd, SchemaContractError } from '../avro/schema-contract.js';
import type { WrittenRecord } from '../avro/record-writer.js';
import { releaseRecord } from '../avro/byte-slab.js';
import type { ExtractedPage } from '../rest/extract.js';
import { deadLetterHeaders, HEADER } from '../contracts/headers.js';
import {
  KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  MessageTooLargeError,
  RECORD_BATCH_OVERHEAD,
  recordBytes,
} from '../kafka/message-size.js';
import { isFailure, type ResourceStreamItem } from './resource-stream.js';
import type { BatchSender } from './serial-sender.js';

export interface PublishTarget {
  readonly source: string;
  readonly resource: string;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly runId: string;
  readonly codec: ResourceCodec;
  /**
   * `schema_contract` columns `evolve` (src/producers/schema-evolution.ts): gives the codec of the schema's next
   * version holding the record's new fields. Without it, such fields stay in `_extra`.
   */
  readonly evolve?: (record: unknown, codec: ResourceCodec, paths: readonly string[]) => Promise<ResourceCodec>;
  readonly keyOf: (record: unknown) => string;
  readonly nextVersion: () => number;
  readonly maxBatchRecords?: number;
  /**
   * The topic's `max.message.bytes` (default Kafka's 1048588): a record whose message is over it is
   * dead-lettered with the reason, and no batch (all partitions together) is sent over it.
   */
  readonly maxMessageBytes?: number;
  /** the dead-letter topic's `max.message.bytes`: a dead letter over it keeps the reason, not the record */
  readonly deadLetterMaxMessageBytes?: number;
  readonly maxBatchBytes?: number;
}

export interface PublishCounts {
  records: number;
  /** records sent to the dead-letter topic (no key, or not representable, or refused by a `freeze` contract) */
  rejected: number;
  /** records whose unknown or mistyped fields went to `_extra` */
  withExtra: number;
  bytes: number;
  /** records `schema_contract` `discard_row` sent to the dead-letter topic: counted apart, the run goes on */
  discardedRows: number;
  /** values `schema_contract` `discard_value` dropped from published records */
  discardedValues: number;
}

export function emptyCounts(): PublishCounts {
  return { records: 0, rejected: 0, withExtra: 0, bytes: 0, discardedRows: 0, discardedValues: 0 };
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
  sender: BatchSender,
  target: PublishTarget,
  counts: PublishCounts = emptyCounts(),
): Promise<PublishCounts> {
  const maxBatch = target.maxBatchRecords ?? 5000;
  // Well under the broker's default message.max.bytes (1 MiB) per partition once spread over partitions.
  const maxBatchBytes = target.maxBatchBytes ?? 2 * 1024 * 1024;
  const messageLimit = target.maxMessageBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  const deadLimit = target.deadLetterMaxMessageBytes ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  let batch: Message[] = [];
  let batchBytes = 0;
  // Upper bounds of the record batches' sizes as the broker measures them (src/kafka/message-size.ts).
  let batchWire = RECORD_BATCH_OVERHEAD;
  let deadWire = RECORD_BATCH_OVERHEAD;
  let dead: Message[] = [];
  // of `dead`, how many a `discard_row` contract sent there
  let deadDiscards = 0;
  let codec = target.codec;
  let lastPage: ExtractedPage | undefined;
  let headers: IHeaders = {};
  let extractedAt = 0;
  let inFlight: Promise<void> | undefined;
  let sendFailure: Error | undefined;

  const send = (): void => {
    const sent = batch;
    const rejected = dead;
    const discards = deadDiscards;
    batch = [];
    dead = [];
    deadDiscards = 0;
    batchBytes = 0;
    batchWire = RECORD_BATCH_OVERHEAD;
    deadWire = RECORD_BATCH_OVERHEAD;
    inFlight = sender
      .send([
        { topic: target.topic, messages: sent },
        { topic: target.deadLetterTopic, messages: rejected },
      ])
      .then(
        () => {
          // Acknowledged: nothing reads these records' bytes any more, so their slabs may be written again.
          for (const message of sent) releaseRecord(message.value as Buffer | null);
          counts.records += sent.length;
          counts.rejected += rejected.length - discards;
          counts.discardedRows += discards;
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
    // The record's key, once known, also keys its dead letter: subscribers find a record's letters by key.
    let key: string | null = null;
    try {
      key = target.keyOf(item.data);
      const envelope = { extractedAt, runId: target.runId, nextVersion: target.nextVersion };
      let written: WrittenRecord;
      try {
        written = codec.write(item.data, envelope);
      } catch (error) {
        if (!(error instanceof ColumnsToAdd) || !target.evolve) throw error;
        codec = await target.evolve(item.data, codec, error.paths);
        written = codec.write(item.data, envelope);
      }
      const { bytes, extra, discarded } = written;
      const size = recordBytes(key, bytes, headers);
      if (RECORD_BATCH_OVERHEAD + size > messageLimit)
        throw tooLarge(key, RECORD_BATCH_OVERHEAD + size, target.topic, messageLimit);
      // The broker refuses a whole batch over the limit: send what is there first.
      if (batch.length > 0 && batchWire + size > messageLimit) {
        await drain();
        send();
      }
      if (extra !== null) counts.withExtra++;
      if (discarded) counts.discardedValues += discarded.length;
      counts.bytes += bytes.length;
      batchBytes += bytes.length;
      batchWire += size;
      batch.push({ key, value: bytes, headers });
    } catch (error) {
      const letter = deadLetter(
        key,
        item.data,
        { ...headers, ...deadLetterHeaders(error as Error, item.page.url) },
        deadLimit,
      );
      const size = recordBytes(key, letter.value, letter.headers);
      if (dead.length > 0 && deadWire + size > deadLimit) {
        await drain();
        send();
      }
      deadWire += size;
      dead.push(letter);
      if (error instanceof SchemaContractError) {
        if (error.mode === 'discard_row') deadDiscards++;
        else {
          // dlt raises DataValidationError at the first record a frozen schema refuses: so does the resource.
          await flush();
          throw error;
        }
      }
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

function tooLarge(key: string, size: number, topic: string, limit: number): MessageTooLargeError {
  return new MessageTooLargeError(
    `record ${JSON.stringify(key)} is ${size} bytes as a Kafka message, over the ${limit} bytes topic ${topic} accepts ` +
      `(max.message.bytes); it was not published. Raise the topic's max.message.bytes ` +
      `(kafka-configs --alter --entity-type topics --entity-name ${topic} --add-config max.message.bytes=N) to publish such records.`,
  );
}

/**
 * The record's JSON with the reason in headers, keyed by the record's key when it has one (null when the
 * key itself is what failed); when even that is over the dead-letter topic's limit,
 * the reason alone, saying so, rather than a send the broker refuses (which would fail the resource).
 */
function deadLetter(key: string | null, record: unknown, headers: IHeaders, limit: number): Message {
  const value = Buffer.from(stringifyExact(record) ?? 'null');
  if (RECORD_BATCH_OVERHEAD + recordBytes(key, value, headers) <= limit) return { key, value, headers };
  const reason = String(headers[HEADER.errorMessage] ?? '');
  return {
    key,
    value: null,
    headers: {
      ...headers,
      [HEADER.errorMessage]:
        `${reason} The record's JSON (${value.length} bytes) is over the dead-letter topic's limit too (${limit} bytes), ` +
        'so this dead letter carries no value.',
    },
  };
}
