// The history of extractions lives in Kafka, beside the data: topic `streamtap.<source>.runs`, one
// partition, cleanup.policy=compact, key = resource name, value = JSON of the last extraction. Producers
// have Kafka and nothing else (no ClickHouse, no shared disk in a container), and compaction keeps the
// latest run of every resource for as long as the cluster lives, so `status` works from any machine.
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { runsTopic } from '../contracts/topics.js';
import type { TopicLayoutOverrides } from '../kafka/topic-layout.js';
import { ensureTopics, retryRetriable } from '../kafka/client.js';
import type { ResourceResult } from './events.js';

export interface RunRecord {
  readonly source: string;
  readonly resource: string;
  readonly runId: string;
  /** ISO times */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: 'success' | 'failure';
  readonly pages: number;
  readonly records: number;
  /** records the producer sent to the dead-letter topic because they could not be published (too large, no primary key, a `freeze` refusal) */
  readonly rejected: number;
  readonly withExtra: number;
  /** records `schema_contract` `discard_row` sent to the dead-letter topic (absent in runs recorded before) */
  readonly discardedRows?: number;
  /** values `schema_contract` `discard_value` dropped from published records (absent in runs recorded before) */
  readonly discardedValues?: number;
  readonly retries: number;
  readonly durationMs: number;
  readonly error?: string;
  /** the extraction succeeded but may be incomplete: why (see ResourceReport.warnings) */
  readonly warnings?: readonly string[];
}

export function toRunRecord(source: string, runId: string, result: ResourceResult, finishedAt = Date.now()): RunRecord {
  return {
    source,
    resource: result.resource,
    runId,
    startedAt: new Date(finishedAt - result.durationMs).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    outcome: result.ok ? 'success' : 'failure',
    pages: result.pages,
    records: result.records,
    rejected: result.rejected,
    withExtra: result.withExtra,
    discardedRows: result.discardedRows ?? 0,
    discardedValues: result.discardedValues ?? 0,
    retries: result.retries,
    durationMs: result.durationMs,
    ...(result.error ? { error: result.error } : {}),
    ...(result.warnings?.length ? { warnings: result.warnings } : {}),
  };
}

/** `topics`: replication overrides (src/kafka/topic-layout.ts); the runs topic always has one partition. */
export async function ensureRunsTopic(kafka: Kafka, source: string, topics: TopicLayoutOverrides = {}): Promise<void> {
  const admin = kafka.admin();
  await retryRetriable(() => admin.connect());
  try {
    await ensureTopics(
      admin,
      [{ topic: runsTopic(source), partitions: 1, config: { 'cleanup.policy': 'compact' } }],
      topics,
    );
  } finally {
    await admin.disconnect();
  }
}

export async function recordRuns(
  kafka: Kafka,
  records: readonly RunRecord[],
  topics: TopicLayoutOverrides = {},
): Promise<void> {
  const first = records[0];
  if (!first) return;
  await ensureRunsTopic(kafka, first.source, topics);
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await retryRetriable(() => producer.connect());
  try {
    await producer.send({
      topic: runsTopic(first.source),
      acks: -1,
      messages: records.map((r) => ({ key: r.resource, value: JSON.stringify(r) })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** The latest run of every resource, read from the start of the runs topic to its end. */
export async function readLastRuns(kafka: Kafka, source: string): Promise<Map<string, RunRecord>> {
  const topic = runsTopic(source);
  const last = new Map<string, RunRecord>();
  const admin = kafka.admin();
  await retryRetriable(() => admin.connect());
  try {
    if (!(await admin.listTopics()).includes(topic)) return last;
    const offsets = await admin.fetchTopicOffsets(topic);
    const targets = new Map(
      offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
    );
    if (targets.size === 0) return last;
    // kafkajs has no assign(): a throwaway group reads the topic, and is deleted afterwards.
    const groupId = `streamtap.status.${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
    try {
      await retryRetriable(() => consumer.connect());
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (message.key && message.value) {
                try {
                  last.set(message.key.toString(), JSON.parse(message.value.toString()) as RunRecord);
                } catch {
                  // a foreign or corrupt message in the topic: skipped, the next run overwrites it
                }
              }
              if (BigInt(message.offset) + 1n >= (targets.get(partition) ?? 0n)) targets.delete(partition);
              if (targets.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return last;
  } finally {
    await admin.disconnect();
  }
}
