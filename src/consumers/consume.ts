// Kafka → decode → ClickHouse, per partition batch: insert first, commit the offsets after.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import { loadResourceCodec, SchemaDecoder, type ResourceCodec } from '../avro/schema-store.js';
import type { ResolvedSource } from '../config/source.js';
import { producerConfig, retryRetriable, deadLetterTopic, ensureTopics, topicName } from '../kafka/client.js';
import type { Logger } from '../log.js';
import { deadLetterHeaders } from '../producers/headers.js';
import { selectResources } from '../producers/produce.js';
import { sleepMs } from '../rest/retry.js';
import { ClickHouseSink } from './sink.js';
import { compileRowMapper, tableSpec, type TableSpec } from './table-schema.js';

export interface ConsumeOptions {
  readonly source: ResolvedSource;
  readonly kafka: Kafka;
  readonly clickhouse: ClickHouseClient;
  readonly schemasDir: string;
  readonly logger: Logger;
  readonly resources?: readonly string[] | undefined;
  /** default `streamtap.<source>` */
  readonly groupId?: string | undefined;
  /** `caught-up`: stop once every partition is committed up to the end offsets seen at start */
  readonly until: 'caught-up' | 'signal';
  readonly signal?: AbortSignal | undefined;
}

export interface TableReport {
  readonly topic: string;
  readonly table: string;
  rows: number;
  deadLetters: number;
}

export interface ConsumeReport {
  readonly tables: readonly TableReport[];
}

interface TopicPlan {
  readonly topic: string;
  readonly spec: TableSpec;
  readonly toRow: (record: Record<string, unknown>) => Record<string, unknown>;
  readonly keyFields: readonly string[];
  readonly report: TableReport;
}

export async function consume(options: ConsumeOptions): Promise<ConsumeReport> {
  const { source, logger } = options;
  const resources = selectResources(source, options.resources);
  const codecs: ResourceCodec[] = [];
  const plans = new Map<string, TopicPlan>();
  for (const r of resources) {
    const codec = await loadResourceCodec(options.schemasDir, source.name, r.tableName);
    codecs.push(codec);
    const topic = topicName(source.name, r.tableName);
    const spec = tableSpec(source.name, r.tableName, codec.schema, r.primaryKey, r.writeDisposition);
    plans.set(topic, { topic, spec, toRow: compileRowMapper(spec), keyFields: r.primaryKey, report: { topic, table: `${spec.database}.${spec.table}`, rows: 0, deadLetters: 0 } });
  }
  const decoder = new SchemaDecoder(codecs);
  const sink = new ClickHouseSink(options.clickhouse);
  for (const plan of plans.values()) await sink.ensureTable(plan.spec);

  const topics = [...plans.keys()];
  const groupId = options.groupId ?? `streamtap.${source.name}`;
  const admin = options.kafka.admin();
  await admin.connect();
  const dlqProducer = options.kafka.producer(producerConfig());
  const consumer = options.kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // Large fetches make large inserts: ClickHouse prefers few big batches to many small ones.
    maxBytesPerPartition: 8 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    maxWaitTimeInMs: 500,
  });
  try {
    await ensureTopics(admin, topics.flatMap((topic) => [{ topic }, { topic: deadLetterTopic(topic), partitions: 1 }]));
    await retryRetriable(() => dlqProducer.connect());
    const progress = options.until === 'caught-up' ? await retryRetriable(() => CatchUp.start(admin, groupId, topics)) : undefined;
    if (progress?.done()) return { tables: [...plans.values()].map((p) => p.report) };

    let finish: (error?: Error) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => {
      finish = (error) => (error ? reject(error) : resolve());
    });
    options.signal?.addEventListener('abort', () => finish(), { once: true });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) finish(event.payload.error);
    });

    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const outage = new OutageLog(logger);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        const plan = plans.get(payload.batch.topic);
        if (!plan || payload.batch.messages.length === 0) return;
        await handleBatch(payload, plan, decoder, sink, dlqProducer, outage, logger);
        const next = (BigInt(payload.batch.lastOffset()) + 1n).toString();
        await consumer.commitOffsets([{ topic: payload.batch.topic, partition: payload.batch.partition, offset: next }]);
        if (progress?.advance(payload.batch.topic, payload.batch.partition, BigInt(next))) finish();
      },
    });
    await finished;
    return { tables: [...plans.values()].map((p) => p.report) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await dlqProducer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function handleBatch(
  { batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload,
  plan: TopicPlan,
  decoder: SchemaDecoder,
  sink: ClickHouseSink,
  dlqProducer: Producer,
  outage: OutageLog,
  logger: Logger,
): Promise<void> {
  const rows: Record<string, unknown>[] = [];
  const dead: Message[] = [];
  for (const message of batch.messages) {
    try {
      if (!message.value) throw Object.assign(new Error('message has no value'), { code: 'EMPTY_MESSAGE' });
      const { value } = decoder.decode(message.value);
      for (const key of plan.keyFields) {
        if (value[key] === null || value[key] === undefined || value[key] === '') {
          throw Object.assign(new Error(`record has no primary key "${key}"`), { code: 'MISSING_PRIMARY_KEY' });
        }
      }
      rows.push(plan.toRow(value));
    } catch (error) {
      dead.push({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          ...deadLetterHeaders(error as Error, `kafka://${batch.topic}/${batch.partition}/${message.offset}`),
          'streamtap.original.topic': batch.topic,
          'streamtap.original.partition': String(batch.partition),
          'streamtap.original.offset': message.offset,
        },
      });
    }
  }
  const token = `${batch.topic}-${batch.partition}-${batch.firstOffset()}-${batch.lastOffset()}`;
  // ClickHouse down or slow: retry with backoff for as long as this consumer owns the partition.
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.insert(plan.spec, rows, token);
      outage.recovered(plan.report.table);
      break;
    } catch (error) {
      if (!isRunning() || isStale()) throw error;
      outage.failed(plan.report.table, error as Error);
      await sleepMs(Math.min(30_000, 250 * 2 ** Math.min(attempt, 7)));
      await heartbeat();
    }
  }
  if (dead.length > 0) {
    await dlqProducer.send({ topic: deadLetterTopic(batch.topic), messages: dead, acks: -1 });
    logger.warn({ topic: batch.topic, partition: batch.partition, count: dead.length }, 'undecodable records sent to the dead-letter topic');
  }
  plan.report.rows += rows.length;
  plan.report.deadLetters += dead.length;
  resolveOffset(batch.lastOffset());
}

/** Logs an outage once when it starts and once when it ends, not once per attempt. */
class OutageLog {
  private readonly down = new Map<string, number>();
  constructor(private readonly logger: Logger) {}
  failed(table: string, error: Error): void {
    if (this.down.has(table)) return;
    this.down.set(table, Date.now());
    this.logger.error({ table, err: error }, 'ClickHouse insert failed; retrying with backoff, offsets stay uncommitted');
  }
  recovered(table: string): void {
    const since = this.down.get(table);
    if (since === undefined) return;
    this.down.delete(table);
    this.logger.info({ table, downMs: Date.now() - since }, 'ClickHouse insert succeeded again');
  }
}

/** Tracks committed positions against the end offsets taken at start. */
class CatchUp {
  private constructor(
    private readonly targets: Map<string, bigint>,
    private readonly positions: Map<string, bigint>,
  ) {}

  static async start(admin: Admin, groupId: string, topics: readonly string[]): Promise<CatchUp> {
    const targets = new Map<string, bigint>();
    const positions = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        targets.set(`${topic}:${p.partition}`, BigInt(p.high));
        positions.set(`${topic}:${p.partition}`, BigInt(p.low));
      }
    }
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      for (const p of partitions) {
        const committed = BigInt(p.offset);
        const key = `${topic}:${p.partition}`;
        if (committed >= 0n && committed > (positions.get(key) ?? 0n)) positions.set(key, committed);
      }
    }
    return new CatchUp(targets, positions);
  }

  /** Records a commit; true when every partition has reached its target. */
  advance(topic: string, partition: number, next: bigint): boolean {
    this.positions.set(`${topic}:${partition}`, next);
    return this.done();
  }

  done(): boolean {
    for (const [key, target] of this.targets) if ((this.positions.get(key) ?? 0n) < target) return false;
    return true;
  }
}
