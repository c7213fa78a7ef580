// Incremental state lives in one compacted Kafka topic, keyed `<source>.<resource>`, so a producer started
// on any machine resumes where the last one stopped. A value is written only after every record it covers
// was acknowledged by Kafka (the extraction session decides when); a null value (tombstone) resets a resource.
import { ErrorCode, StreamtapError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { ResolvedResource, ResolvedSource } from '../config/source.js';
import { stateKey } from '../contracts/topics.js';
import { topicOffsets, type TopicSpec } from '../kafka/client.js';
import type { IncrementalState } from '../rest/incremental.js';
import type { BatchSender } from './serial-sender.js';

/** The topic spec when any resource of the run (or a parent it reads from) is incremental; else nothing. */
export function stateTopicSpecs(source: ResolvedSource, run: readonly ResolvedResource[], topic: string): TopicSpec[] {
  const byName = new Map(source.resources.map((r) => [r.name, r]));
  const needs = (r: ResolvedResource | undefined): boolean =>
    !!r && (r.endpoint.incremental !== undefined || needs(r.parent ? byName.get(r.parent.resource) : undefined));
  // One partition: the topic is tiny, and one partition keeps every key's history in order for readers.
  return run.some(needs)
    ? [{ topic, partitions: 1, config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1' } }]
    : [];
}

export class StateLoadError extends StreamtapError {
  readonly code = ErrorCode.STATE_LOAD_FAILED;
}

export class IncrementalStateStore {
  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly options: { readonly timeoutMs?: number } = {},
  ) {}

  /** The latest state of every resource of a source: the topic read from the start to its end offsets. */
  async load(source: string): Promise<Map<string, IncrementalState>> {
    const prefix = `${source}.`;
    const out = new Map<string, IncrementalState>();
    const offsets = await topicOffsets(this.kafka, this.topic);
    const remaining = new Map(
      offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high) - 1n]),
    );
    if (remaining.size === 0) return out;

    const groupId = `streamtap-state-reader-${randomBytes(6).toString('hex')}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timeoutMs = this.options.timeoutMs ?? 30_000;
        const timer = setTimeout(
          () => reject(new StateLoadError(`reading ${this.topic} took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                const key = message.key?.toString('utf8');
                if (!key?.startsWith(prefix)) continue;
                const resource = key.slice(prefix.length);
                if (message.value === null) out.delete(resource);
                else out.set(resource, parseState(message.value, key));
              }
              const last = remaining.get(batch.partition);
              if (last !== undefined && BigInt(batch.lastOffset()) >= last) remaining.delete(batch.partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch((error: unknown) => {
            clearTimeout(timer);
            reject(error);
          });
      });
    } finally {
      await consumer.disconnect();
      await this.forget(groupId);
    }
    return out;
  }

  /** Writes a state through the run's one idempotent producer, after the records it covers. */
  async save(sender: BatchSender, source: string, resource: string, state: IncrementalState): Promise<void> {
    await sender.send([
      { topic: this.topic, messages: [{ key: stateKey(source, resource), value: JSON.stringify(state) }] },
    ]);
  }

  /** Forgets a resource's state: the next run starts from initial_value. */
  async reset(sender: BatchSender, source: string, resource: string): Promise<void> {
    await sender.send([{ topic: this.topic, messages: [{ key: stateKey(source, resource), value: null }] }]);
  }

  // Reader groups are throwaway; leaving them would litter the broker with one group per run.
  private async forget(groupId: string): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([groupId]);
    } catch {
      // best effort: an empty group expires on its own (offsets.retention.minutes)
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

function parseState(value: Buffer, key: string): IncrementalState {
  const parsed = JSON.parse(value.toString('utf8')) as Partial<IncrementalState>;
  if (
    (typeof parsed.lastValue !== 'string' && typeof parsed.lastValue !== 'number') ||
    typeof parsed.cursorPath !== 'string'
  ) {
    throw new StateLoadError(
      `state ${key} is not a streamtap incremental state: ${value.toString('utf8').slice(0, 200)}`,
    );
  }
  return {
    lastValue: parsed.lastValue,
    cursorPath: parsed.cursorPath,
    updatedAt: String(parsed.updatedAt ?? ''),
    runId: parsed.runId,
  };
}
