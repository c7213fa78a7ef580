// When a consumer batch closes: on record count, on bytes, or on time, whichever comes first.
//
// Count and bytes are cut on the client: a Kafka fetch is split into chunks of at most `maxRecords`
// messages and `maxBytes` message bytes. Time is delegated to the broker: the fetch asks for
// `maxBytes` (fetch.min.bytes) and waits at most `maxWaitMs` (fetch.max.wait.ms) for it, so a trickle of
// records is inserted at most `maxWaitMs` after it arrived and a backlog is inserted in full chunks.
// Chunks start at the committed offset and are cut by count and bytes, so a replay after a crash cuts
// the same full chunks and carries the same deduplication tokens (see sink.ts); only a chunk cut short by
// the end of a fetch may come out longer on replay, and ReplacingMergeTree absorbs that overlap.
import { ErrorCode, StreamtapError } from '../errors.js';
import type { ConsumerConfig, KafkaMessage } from 'kafkajs';

/** How many records one ClickHouse insert takes; each field is checked against its range. */
export interface BatchPolicy {
  /**
   * records per insert, 1 to 1,000,000
   * @default 20000
   */
  readonly maxRecords: number;
  /**
   * message bytes (key + value) per insert, 1 KiB to 1 GiB
   * @default 4194304 (4 MiB)
   */
  readonly maxBytes: number;
  /**
   * longest wait for a batch to fill, in milliseconds, 0 to 60,000
   * @default 1000 (1 s)
   */
  readonly maxWaitMs: number;
}

export const DEFAULT_BATCH_POLICY: BatchPolicy = Object.freeze({
  maxRecords: 20_000,
  maxBytes: 4 * 1024 * 1024,
  maxWaitMs: 1_000,
});

export class BatchPolicyError extends StreamtapError {
  readonly code = ErrorCode.BATCH_POLICY;
}

const LIMITS: Readonly<Record<keyof BatchPolicy, readonly [number, number]>> = {
  maxRecords: [1, 1_000_000],
  maxBytes: [1024, 1024 * 1024 * 1024],
  maxWaitMs: [0, 60_000],
};

/** Defaults applied, every field checked; an error names the field and the allowed range. */
export function batchPolicy(overrides: Partial<BatchPolicy> = {}): BatchPolicy {
  const policy = { ...DEFAULT_BATCH_POLICY };
  for (const [name, value] of Object.entries(overrides) as [keyof BatchPolicy, number | undefined][]) {
    if (value === undefined) continue;
    const range = LIMITS[name];
    if (!range)
      throw new BatchPolicyError(
        `unknown batch policy field "${String(name)}"; known: ${Object.keys(LIMITS).join(', ')}`,
      );
    if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new BatchPolicyError(
        `batch policy ${name} must be an integer from ${range[0]} to ${range[1]}, got ${String(value)}`,
      );
    }
    policy[name] = value;
  }
  return Object.freeze(policy);
}

/** kafkajs consumer settings that make the broker do the time-based half of the policy. */
export function fetchSettings(
  policy: BatchPolicy,
): Pick<ConsumerConfig, 'minBytes' | 'maxBytes' | 'maxBytesPerPartition' | 'maxWaitTimeInMs'> {
  return {
    minBytes: policy.maxBytes,
    maxWaitTimeInMs: policy.maxWaitMs,
    maxBytesPerPartition: policy.maxBytes,
    // A fetch may carry several partitions; bounded so memory stays flat with many partitions.
    maxBytes: Math.max(policy.maxBytes, Math.min(4 * policy.maxBytes, 256 * 1024 * 1024)),
  };
}

export function messageBytes(message: Pick<KafkaMessage, 'key' | 'value'>): number {
  return (message.key?.length ?? 0) + (message.value?.length ?? 0);
}

/**
 * Splits one partition's fetched messages into consecutive chunks within the policy. A single message
 * larger than `maxBytes` is a chunk of its own: it is never split and never stuck.
 */
export function splitBatch<M extends Pick<KafkaMessage, 'key' | 'value'>>(
  messages: readonly M[],
  policy: BatchPolicy,
): M[][] {
  const chunks: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (current.length > 0 && (current.length >= policy.maxRecords || bytes + size > policy.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
