// `streamtap dlq inspect` and `streamtap dlq replay`: what is in a resource's dead-letter topic, and
// sending consumer-side dead letters back to their topic once the cause is fixed (a schema deployed,
// a table column widened). Replay is resumable: its consumer group remembers what it already sent.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import {
  describeDeadLetter,
  headerText,
  withoutDeadLetterHeaders,
  type DeadLetterEntry,
} from '../consumers/dead-letter.js';
import { producerConfig, retryRetriable } from '../kafka/client.js';
import { deadLetterTopic, topicName } from '../contracts/topics.js';
import { HEADER } from '../contracts/headers.js';
import { selectResources } from '../config/select.js';
import { formatTable } from './commands.js';
import { createContext, type CommonFlags } from './context.js';

export interface InspectOptions {
  /** at most this many entries, oldest first */
  readonly limit?: number;
}

/** Reads a dead-letter topic from its start to its end at call time; commits nothing. */
export async function inspectDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  options: InspectOptions = {},
): Promise<DeadLetterEntry[]> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const entries: DeadLetterEntry[] = [];
  await readToEnd(
    kafka,
    dlqTopic,
    { groupId: `streamtap.dlq-inspect.${randomBytes(4).toString('hex')}`, commit: false },
    async (partition, messages) => {
      for (const m of messages) if (entries.length < limit) entries.push(describeDeadLetter(partition, m));
      return entries.length < limit;
    },
  );
  return entries.sort(
    (a, b) =>
      a.errorTime.localeCompare(b.errorTime) ||
      a.partition - b.partition ||
      Number(BigInt(a.offset) - BigInt(b.offset)),
  );
}

export interface ReplayOptions {
  /** default `streamtap.dlq-replay.<dlq topic>` */
  readonly groupId?: string;
  /** count what would be replayed, send nothing, commit nothing */
  readonly dryRun?: boolean;
}

export interface ReplayReport {
  readonly replayed: number;
  /** dead letters written by a producer: raw API records that never were Avro; fix and produce again */
  readonly notReplayable: number;
  readonly byTopic: Readonly<Record<string, number>>;
}

/**
 * Sends every replayable dead letter read since the last replay back to its original topic, with its
 * original key, value and headers (plus `streamtap.replayed_from`). A replayed message that fails again
 * lands in the dead-letter topic again, with the new reason. Re-sending a record ClickHouse already has
 * changes nothing: it carries its original _version.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  options: ReplayOptions = {},
): Promise<ReplayReport> {
  const byTopic: Record<string, number> = {};
  let replayed = 0;
  let notReplayable = 0;
  const producer = options.dryRun ? undefined : kafka.producer(producerConfig());
  if (producer) await retryRetriable(() => producer.connect());
  try {
    const groupId = options.groupId ?? `streamtap.dlq-replay.${dlqTopic}`;
    await readToEnd(kafka, dlqTopic, { groupId, commit: !options.dryRun }, async (partition, messages) => {
      const out = new Map<string, Message[]>();
      for (const m of messages) {
        const entry = describeDeadLetter(partition, m);
        if (!entry.replayable || !entry.originalTopic) {
          notReplayable++;
          continue;
        }
        const list = out.get(entry.originalTopic) ?? [];
        list.push(replayMessage(dlqTopic, partition, m));
        out.set(entry.originalTopic, list);
      }
      for (const [topic, list] of out) {
        if (producer) await producer.sendBatch({ topicMessages: [{ topic, messages: list }], acks: -1 });
        byTopic[topic] = (byTopic[topic] ?? 0) + list.length;
        replayed += list.length;
      }
      return true;
    });
  } finally {
    await producer?.disconnect();
  }
  return { replayed, notReplayable, byTopic };
}

function replayMessage(dlqTopic: string, partition: number, m: KafkaMessage): Message {
  return {
    key: m.key,
    value: m.value,
    headers: {
      ...withoutDeadLetterHeaders(m.headers ?? {}),
      [HEADER.replayedFrom]: `kafka://${dlqTopic}/${partition}/${m.offset}`,
    },
  };
}

/**
 * Reads `topic` from the group's position (or its start) to the end offsets at call time.
 * `onBatch` returns false to stop early. With `commit`, each batch is committed after onBatch succeeded.
 */
async function readToEnd(
  kafka: Kafka,
  topic: string,
  options: { groupId: string; commit: boolean },
  onBatch: (partition: number, messages: KafkaMessage[]) => Promise<boolean>,
): Promise<void> {
  const admin = kafka.admin();
  await retryRetriable(() => admin.connect());
  const remaining = new Map<number, bigint>();
  try {
    const ends = await retryRetriable(() => admin.fetchTopicOffsets(topic));
    const [committed] = await retryRetriable(() => admin.fetchOffsets({ groupId: options.groupId, topics: [topic] }));
    const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    for (const p of ends) {
      const from = (at.get(p.partition) ?? -1n) >= BigInt(p.low) ? (at.get(p.partition) as bigint) : BigInt(p.low);
      if (BigInt(p.high) > from) remaining.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  await retryRetriable(() => consumer.connect());
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) reject(event.payload.error);
      });
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            const messages = batch.messages.filter((m) => BigInt(m.offset) < end);
            const more = messages.length === 0 || (await onBatch(batch.partition, messages));
            const last = messages[messages.length - 1];
            if (last) {
              resolveOffset(last.offset);
              const next = BigInt(last.offset) + 1n;
              if (options.commit)
                await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next.toString() }]);
              if (next >= end) remaining.delete(batch.partition);
            }
            if (!more || remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

/** The `dlq` command group; `common` adds the flags every command shares. */
export function registerDlqCommands(program: Command, common: (cmd: Command) => Command): void {
  const dlq = program.command('dlq').description('dead-letter topics: messages that could not be loaded, and why');
  common(dlq.command('inspect'))
    .description('list the dead letters of each resource: reason, original topic/partition/offset, time')
    .option('--limit <n>', 'at most this many per resource', '100')
    .option('--json', 'one JSON object per line')
    .action(async (config: string, flags: CommonFlags & { limit: string; json?: boolean }) => {
      const ctx = await createContext(config, flags);
      for (const r of selectResources(ctx.source, flags.resource)) {
        const topic = deadLetterTopic(topicName(ctx.source.name, r.tableName));
        const entries = await inspectDeadLetters(ctx.kafka, topic, { limit: Number(flags.limit) });
        if (flags.json) {
          for (const e of entries) console.log(JSON.stringify({ topic, ...e }));
          continue;
        }
        console.log(
          `${topic}: ${entries.length} dead letter(s)${entries.length === Number(flags.limit) ? ' (limit reached)' : ''}`,
        );
        if (entries.length === 0) continue;
        const origin = (e: DeadLetterEntry): string =>
          e.originalTopic ? `${e.originalTopic}/${e.originalPartition}/${e.originalOffset}` : e.errorUrl;
        console.log(
          formatTable(
            ['at', 'error', 'message', 'from', 'time', 'replayable'],
            entries.map((e) => [
              `${e.partition}/${e.offset}`,
              e.errorClass,
              e.errorMessage.slice(0, 80),
              origin(e),
              e.errorTime,
              e.replayable ? 'yes' : 'no',
            ]),
          ),
        );
      }
      process.exitCode = 0;
    });
  common(dlq.command('replay'))
    .description('send consumer-side dead letters back to their topic (after fixing the cause); resumable')
    .option('--dry-run', 'count what would be replayed; send and commit nothing')
    .option(
      '--group <id>',
      'consumer group that remembers what was replayed (default streamtap.dlq-replay.<dlq topic>)',
    )
    .action(async (config: string, flags: CommonFlags & { dryRun?: boolean; group?: string }) => {
      const ctx = await createContext(config, flags);
      const rows: string[][] = [];
      for (const r of selectResources(ctx.source, flags.resource)) {
        const topic = deadLetterTopic(topicName(ctx.source.name, r.tableName));
        const result = await replayDeadLetters(ctx.kafka, topic, {
          dryRun: Boolean(flags.dryRun),
          ...(flags.group ? { groupId: flags.group } : {}),
        });
        rows.push([topic, String(result.replayed), String(result.notReplayable)]);
      }
      console.log(
        formatTable(['dead-letter topic', flags.dryRun ? 'would replay' : 'replayed', 'not replayable'], rows),
      );
      process.exitCode = 0;
    });
}

/** For tests: the header a replayed message carries. */
export function replayedFrom(message: Pick<KafkaMessage, 'headers'>): string | undefined {
  return headerText(message.headers, HEADER.replayedFrom);
}
