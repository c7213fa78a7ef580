// How big a message is to the broker, before compression: the broker refuses a record batch larger than
// the topic's `max.message.bytes` (default: the broker's `message.max.bytes`, 1 MiB + 12 bytes). The
// bound below follows the record batch format of the Kafka protocol (v2, "Record Batch"): a 61-byte batch
// header, then per record a length, attributes, timestamp and offset deltas, key and value lengths and
// header count as varints (at most 36 bytes together), and per header two varint lengths (at most 10).
import type { IHeaders } from 'kafkajs';
import { ErrorCode, StreamtapError } from '../errors.js';

/** The record batch header, paid once per batch (per partition). */
export const RECORD_BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD = 36;
const HEADER_OVERHEAD = 10;

/** Kafka's own default for a topic without `max.message.bytes`: `message.max.bytes` = 1048588. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * `max.message.bytes` streamtap gives the data and dead-letter topics it creates: 8 MiB, so API records
 * of a few MiB (a long article body) are published; a topic that exists already keeps its own limit.
 */
export const DEFAULT_TOPIC_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * The topic config streamtap creates data and dead-letter topics with. Every process that may create
 * them (the producer, and the consumer, which in `streamtap run` starts beside it and may come first)
 * passes the same, so who creates a topic does not change what it accepts.
 * `maxMessageBytes`: bytes, @default DEFAULT_TOPIC_MAX_MESSAGE_BYTES (8 MiB).
 */
export function dataTopicConfig(maxMessageBytes = DEFAULT_TOPIC_MAX_MESSAGE_BYTES): Record<string, string> {
  return { 'max.message.bytes': String(maxMessageBytes) };
}

/** An upper bound of the bytes one record adds to a record batch (uncompressed), headers included. */
export function recordBytes(
  key: string | Buffer | null,
  value: string | Buffer | null,
  headers: IHeaders | undefined,
): number {
  let bytes = RECORD_OVERHEAD + byteLength(key) + byteLength(value);
  for (const name in headers) {
    const v = headers[name];
    bytes +=
      HEADER_OVERHEAD +
      Buffer.byteLength(name) +
      (Array.isArray(v) ? v.reduce((n, x) => n + byteLength(x), 0) : byteLength(v ?? null));
  }
  return bytes;
}

function byteLength(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/** A record whose message alone is over its topic's limit: dead-lettered, never sent to be refused. */
export class MessageTooLargeError extends StreamtapError {
  readonly code = ErrorCode.MESSAGE_TOO_LARGE;
}
