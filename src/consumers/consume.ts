// Kafka → decode → ClickHouse. Per partition, a fetched batch is cut into chunks by the batch policy;
// each chunk keeps the latest record per key, is inserted with a token naming its offsets, and only
// then are its offsets committed. Poison messages go to `<topic>.dlq`; ClickHouse outages pause the
// partition and retry; replace resources get delete marks after a completed extraction.
// docs/consumers.md explains the guarantees and the operations around them.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import {
  loadResourceCodec,
  loadSchemaHistory,
  SchemaDecoder,
  type ResourceCodec,
  type WriterSchema,
} from '../avro/schema-store.js';
import type { ResolvedSource } from '../config/source.js';
import { ensureTopics, producerConfig, retryRetriable } from '../kafka/client.js';
import type { TopicLayoutOverrides } from '../kafka/topic-layout.js';
import { deadLetterTopic, topicName } from '../contracts/topics.js';
import type { Logger } from '../log.js';
import type { ConsumerEvent } from '../observability/events.js';
import { selectResources } from '../config/select.js';
import { batchPolicy, fetchSettings, splitBatch, type BatchPolicy } from './batch-policy.js';
import { deadLetter, PoisonMessageError } from './dead-letter.js';
import { SINGLE_SERVER, type ClickHouseTopology } from './ddl.js';
import {
  insertRetryPolicy,
  isMissingTable,
  isRejectedData,
  OutageLog,
  retryDelayMs,
  sleepUnlessAborted,
  type InsertRetryPolicy,
} from './insert-retry.js';
import { compileRecordKey, latestPerKey, type Keyed } from './latest.js';
import { primaryKeyFields } from '../avro/names.js';
import { dataCommitted } from './run-completion.js';
import { decodeRunCompletion, type RunCompletion } from '../contracts/run-completion.js';
import { controlTopic } from '../contracts/topics.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS } from './settings.js';
import type { EncodedRow } from './insert-writer.js';
import { ClickHouseSink } from './sink.js';
import { tableSpec, type TableSpec } from './table-schema.js';
import { TableEvolution } from './table-evolution.js';

export interface ConsumeOptions {
  readonly source: ResolvedSource;
  readonly kafka: Kafka;
  readonly clickhouse: ClickHouseClient;
  readonly schemasDir: string;
  readonly logger: Logger;
  readonly resources?: readonly string[] | undefined;
  /** default `streamtap.<source>`; the control topics are read by `<groupId>.control` */
  readonly groupId?: string | undefined;
  /**
   * `caught-up`: stop once every partition is committed up to its end offset, read at start, or when
   * `catchUpAfter` settles if given
   */
  readonly until: 'caught-up' | 'signal';
  /**
   * With `caught-up`: the end offsets to reach are read only once this settles (resolved or rejected),
   * so a consumer started beside a producer (`streamtap run`) loads while extraction goes on, and stops
   * once it has everything the producer wrote.
   */
  readonly catchUpAfter?: Promise<unknown> | undefined;
  /** aborting it stops the consumer cleanly: the current chunk is finished or abandoned, nothing half-committed */
  readonly signal?: AbortSignal | undefined;
  readonly batch?: Partial<BatchPolicy> | undefined;
  readonly retry?: Partial<InsertRetryPolicy> | undefined;
  readonly topology?: ClickHouseTopology | undefined;
  /** longest clean shutdown (disconnects) before consume() returns anyway; default 30 s */
  readonly shutdownTimeoutMs?: number | undefined;
  /**
   * kafkajs's heartbeat interval (default 3 s). The heartbeat sent between chunks is how a consumer learns
   * that the group is rebalancing and stops mid-batch; a shorter interval hands partitions over sooner.
   */
  readonly heartbeatIntervalMs?: number | undefined;
  /**
   * Partitions of one fetch worked on at once (default 3): while one partition's insert runs, the next
   * partition's chunk is decoded. Each partition still inserts and commits its own chunks in order.
   */
  readonly partitionsInParallel?: number | undefined;
  /** replication factor, min.insync.replicas, partitions of topics the consumer creates first (src/kafka/topic-layout.ts) */
  readonly topics?: TopicLayoutOverrides | undefined;
  /** progress events, for tests, benchmarks and metrics; must not throw */
  readonly onEvent?: ((event: ConsumerEvent) => void) | undefined;
}

export interface TableReport {
  readonly topic: string;
  readonly table: string;
  /** messages consumed into this table (including dead letters) */
  records: number;
  /** rows inserted after keeping the latest record per key within each chunk */
  rows: number;
  inserts: number;
  deadLetters: number;
  /** keys marked deleted after completed full extractions (replace resources) */
  deleted: number;
}

export interface ConsumeReport {
  readonly tables: readonly TableReport[];
  readonly batch: BatchPolicy;
  /** wall time of consume(), and the part of it spent in successful ClickHouse inserts */
  readonly elapsedMs: number;
  readonly insertMs: number;
  /** `timed-out`: connections did not close within shutdownTimeoutMs; the caller should exit the process */
  readonly shutdown: 'clean' | 'timed-out';
}

interface TopicPlan {
  readonly topic: string;
  readonly resource: string;
  readonly spec: TableSpec;
  readonly codec: ResourceCodec;
  /** adds and widens columns when a newer schema version arrives (table-evolution.ts) */
  readonly evolution: TableEvolution;
  readonly keyOf: (record: Record<string, unknown>) => string;
  readonly keyFields: readonly string[];
  readonly report: TableReport;
}

interface Pending {
  readonly row: EncodedRow;
  readonly message: KafkaMessage;
}

const HEARTBEAT_EVERY_MS = 3_000;
/** While one partition's insert runs in ClickHouse (off the main thread when embedded), the next is decoded. */
const PARTITIONS_IN_PARALLEL = 3;
const CONTROL_POLL_MS = 500;

export async function consume(options: ConsumeOptions): Promise<ConsumeReport> {
  const started = Date.now();
  const { source } = options;
  const logger = options.logger.child({ component: 'consumer', source: source.name });
  const policy = batchPolicy(options.batch);
  const retry = insertRetryPolicy(options.retry);
  const emit = options.onEvent ?? (() => undefined);
  const resources = selectResources(source, options.resources);
  const codecs: WriterSchema[] = [];
  const plans = new Map<string, TopicPlan>();
  for (const r of resources) {
    const codec = await loadResourceCodec(options.schemasDir, source.name, r.tableName);
    codecs.push(codec, ...(await loadSchemaHistory(options.schemasDir, source.name, r.tableName)));
    const topic = topicName(source.name, r.tableName);
    // The config names API fields (`member-id`); the table and the decoded records use Avro names (`member_id`).
    const keyFields = primaryKeyFields(codec.schema, r.primaryKey, codec.file);
    const spec = tableSpec(source.name, r.tableName, codec.schema, keyFields, r.writeDisposition);
    plans.set(topic, {
      topic,
      resource: r.name,
      spec,
      codec,
      evolution: new TableEvolution(options.clickhouse, spec, r.tableName, logger, options.topology ?? SINGLE_SERVER),
      keyOf: compileRecordKey(keyFields),
      keyFields,
      report: {
        topic,
        table: `${spec.database}.${spec.table}`,
        records: 0,
        rows: 0,
        inserts: 0,
        deadLetters: 0,
        deleted: 0,
      },
    });
  }
  // The other resources' schemas too, when present: a record on the wrong topic is then named as such.
  for (const r of source.resources.filter((x) => !resources.includes(x))) {
    const codec = await loadResourceCodec(options.schemasDir, source.name, r.tableName).catch(() => undefined);
    if (codec) codecs.push(codec);
  }
  const decoder = new SchemaDecoder(codecs, { schemasDir: options.schemasDir, source: source.name });
  const sink = new ClickHouseSink(options.clickhouse, options.topology ?? SINGLE_SERVER);
  for (const plan of plans.values()) await sink.ensureTable(plan.spec);

  const topics = [...plans.keys()];
  const controlTopics = [...plans.values()]
    .filter((p) => p.spec.writeDisposition === 'replace')
    .map((p) => controlTopic(p.topic));
  const groupId = options.groupId ?? `streamtap.${source.name}`;
  const controlGroupId = `${groupId}.control`;
  const outage = new OutageLog(logger);
  // Aborted when consume() is done for any reason: ends backoff waits and control polls at once.
  const stopping = new AbortController();
  const timing = { insertMs: 0 };
  const report = (shutdown: ConsumeReport['shutdown']): ConsumeReport => ({
    tables: [...plans.values()].map((p) => p.report),
    batch: policy,
    elapsedMs: Date.now() - started,
    insertMs: timing.insertMs,
    shutdown,
  });

  const admin = options.kafka.admin();
  const dlqProducer = options.kafka.producer(producerConfig());
  const consumer = options.kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    ...fetchSettings(policy),
    ...(options.heartbeatIntervalMs ? { heartbeatInterval: options.heartbeatIntervalMs } : {}),
  });
  const control =
    controlTopics.length > 0
      ? options.kafka.consumer({ groupId: controlGroupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1_000 })
      : undefined;
  let shutdown: ConsumeReport['shutdown'] = 'clean';
  try {
    await retryRetriable(() => admin.connect());
    await ensureTopics(
      admin,
      [
        ...[...plans].flatMap(([topic, plan]) => [
          { topic, partitions: source.resources.find((r) => r.name === plan.resource)?.partitions },
          { topic: deadLetterTopic(topic), partitions: 1 },
        ]),
        ...controlTopics.map((topic) => ({ topic, partitions: 1 })),
      ],
      options.topics,
    );
    await retryRetriable(() => dlqProducer.connect());
    const caughtUp = options.until === 'caught-up';
    const dataProgress = caughtUp ? await retryRetriable(() => CatchUp.start(admin, groupId, topics)) : undefined;
    const controlProgress =
      caughtUp && control ? await retryRetriable(() => CatchUp.start(admin, controlGroupId, controlTopics)) : undefined;
    const allDone = (): boolean => Boolean(dataProgress?.done() && (!controlProgress || controlProgress.done()));
    const aim = async (): Promise<void> => {
      await retryRetriable(() => dataProgress?.aim(admin) ?? Promise.resolve());
      await retryRetriable(() => controlProgress?.aim(admin) ?? Promise.resolve());
    };
    if (!options.catchUpAfter) await aim();
    if (!(caughtUp && allDone())) {
      let finish: (error?: Error) => void = () => undefined;
      const finished = new Promise<void>((resolve, reject) => {
        finish = (error) => (error ? reject(error) : resolve());
      });
      if (options.signal?.aborted) finish();
      options.signal?.addEventListener('abort', () => finish(), { once: true });
      // Beside a producer: aim at the end offsets once it is done, whatever its outcome (what it did write
      // is loaded); commits made meanwhile were counted already.
      options.catchUpAfter
        ?.catch(() => undefined)
        .then(aim)
        .then(() => allDone() && finish(), finish);

      const context: BatchContext = {
        policy,
        retry,
        decoder,
        sink,
        dlqProducer,
        outage,
        logger,
        emit,
        stopping: stopping.signal,
        timing,
      };
      watch(consumer, logger, finish);
      await retryRetriable(() => consumer.connect());
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsInParallel ?? PARTITIONS_IN_PARALLEL,
        eachBatch: async (payload) => {
          const plan = plans.get(payload.batch.topic);
          if (!plan || payload.batch.messages.length === 0) return;
          await consumeBatch(payload, plan, context, (partition, next) => {
            if (dataProgress?.advance(plan.topic, partition, next) && allDone()) finish();
          });
          // A table stopped by an incompatible schema can never catch up: end with its error.
          if (plan.evolution.error && caughtUp) finish(plan.evolution.error);
        },
      });

      if (control) {
        watch(control, logger, finish);
        await retryRetriable(() => control.connect());
        await control.subscribe({ topics: controlTopics, fromBeginning: true });
        await control.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async (payload) => {
            await applyRunCompletions(payload, plans, { admin, groupId, context }, (next) => {
              if (controlProgress?.advance(payload.batch.topic, payload.batch.partition, next) && allDone()) finish();
            });
          },
        });
      }
      await finished;
    }
  } finally {
    stopping.abort();
    shutdown = await closeWithin(options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS, async () => {
      // kafkajs lets the batch in flight finish before it leaves the group.
      await Promise.allSettled([consumer.disconnect(), control?.disconnect()]);
      await Promise.allSettled([dlqProducer.disconnect(), admin.disconnect()]);
    });
    if (shutdown === 'timed-out')
      logger.error('Kafka connections did not close in time; giving up on a clean shutdown');
  }
  return report(shutdown);
}

async function closeWithin(timeoutMs: number, close: () => Promise<void>): Promise<ConsumeReport['shutdown']> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => (timer = setTimeout(() => resolve('timed-out'), timeoutMs)));
  try {
    return await Promise.race([close().then(() => 'clean' as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** A crash kafkajs will not restart from ends consume() with the error; rebalances are logged. */
function watch(consumer: Consumer, logger: Logger, finish: (error?: Error) => void): void {
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) finish(event.payload.error);
  });
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    logger.info(
      { groupId: event.payload.groupId, memberId: event.payload.memberId, assignment: event.payload.memberAssignment },
      'joined consumer group',
    );
  });
}

interface BatchContext {
  readonly policy: BatchPolicy;
  readonly retry: InsertRetryPolicy;
  readonly decoder: SchemaDecoder;
  readonly sink: ClickHouseSink;
  readonly dlqProducer: Producer;
  readonly outage: OutageLog;
  readonly logger: Logger;
  readonly emit: (event: ConsumerEvent) => void;
  readonly stopping: AbortSignal;
  readonly timing: { insertMs: number };
}

/** One partition's fetch: chunk by chunk, insert then commit; stop between chunks when stopping or revoked. */
async function consumeBatch(
  payload: EachBatchPayload,
  plan: TopicPlan,
  ctx: BatchContext,
  committed: (partition: number, next: bigint) => void,
): Promise<void> {
  const { batch } = payload;
  for (const chunk of splitBatch(batch.messages, ctx.policy)) {
    if (!payload.isRunning() || payload.isStale() || ctx.stopping.aborted) return;
    if (!(await loadChunk(payload, plan, chunk, ctx))) return;
    const last = (chunk[chunk.length - 1] as KafkaMessage).offset;
    payload.resolveOffset(last);
    const next = BigInt(last) + 1n;
    await commit(payload, next);
    ctx.emit({ type: 'committed', topic: batch.topic, partition: batch.partition, offset: next.toString() });
    committed(batch.partition, next);
    await payload.heartbeat();
  }
}

/**
 * Commits through the batch payload: unlike `consumer.commitOffsets`, which kafkajs turns into a silent
 * no-op once stop() began, this still commits a chunk finished during a graceful shutdown (the group is
 * left only after the batch returns). A commit refused because the group is rebalancing throws: kafkajs
 * rejoins, and the partition's new owner replays the chunk with the same token, which ClickHouse drops.
 */
async function commit(payload: EachBatchPayload, next: bigint): Promise<void> {
  const offsets = {
    topics: [
      { topic: payload.batch.topic, partitions: [{ partition: payload.batch.partition, offset: next.toString() }] },
    ],
  };
  await retryRetriable(() => payload.commitOffsetsIfNecessary(offsets), 3);
}

/**
 * Decodes a chunk, inserts the latest row per key, dead-letters what cannot be loaded.
 * False when the chunk was abandoned (stopping, or the partition was revoked): nothing may be committed.
 */
async function loadChunk(
  payload: EachBatchPayload,
  plan: TopicPlan,
  chunk: readonly KafkaMessage[],
  ctx: BatchContext,
): Promise<boolean> {
  const { topic, partition } = payload.batch;
  const keyed: Keyed<Pending>[] = [];
  const dead: Message[] = [];
  const deadOffsets: string[] = [];
  const origin = (message: KafkaMessage) => ({ topic, partition, offset: message.offset });
  if (!(await plan.evolution.prepare(chunk, ctx.decoder, () => payload.pause()))) return false;
  for (const message of chunk) {
    try {
      const { codec, value } = decodeRecord(message, plan, ctx.decoder);
      const row = ctx.sink.encode(plan.evolution.toRow(codec, value));
      keyed.push({ row: { row, message }, key: plan.keyOf(value), version: BigInt(value._version as number) });
    } catch (error) {
      dead.push(deadLetter(message, origin(message), error as Error));
      deadOffsets.push(message.offset);
    }
  }
  const first = chunk[0] as KafkaMessage;
  const last = chunk[chunk.length - 1] as KafkaMessage;
  // The first message's timestamp tells apart a topic deleted and created again (its offsets restart at 0).
  const token = `${topic}-${partition}-${first.offset}-${last.offset}-${first.timestamp}`;
  const latest = latestPerKey(keyed);
  const started = Date.now();
  const rejected = await insertWithRetry(payload, plan, latest, token, ctx);
  if (rejected === undefined) return false;
  const ms = Date.now() - started;
  for (const { item, error } of rejected) {
    dead.push(
      deadLetter(item.message, origin(item.message), new PoisonMessageError('CLICKHOUSE_REJECTED', error.message)),
    );
    deadOffsets.push(item.message.offset);
  }
  if (dead.length > 0) {
    await ctx.dlqProducer.send({ topic: deadLetterTopic(topic), messages: dead, acks: -1 });
    ctx.logger.warn(
      { topic, partition, count: dead.length, dlq: deadLetterTopic(topic) },
      'messages that cannot be loaded were sent to the dead-letter topic',
    );
    ctx.emit({ type: 'dead-lettered', topic, partition, offsets: deadOffsets });
  }
  const rows = latest.length - rejected.length;
  plan.report.records += chunk.length;
  plan.report.rows += rows;
  plan.report.deadLetters += dead.length;
  if (latest.length > 0) plan.report.inserts++;
  ctx.emit({
    type: 'inserted',
    topic,
    partition,
    firstOffset: first.offset,
    lastOffset: last.offset,
    records: chunk.length,
    rows,
    ms,
  });
  return true;
}

function decodeRecord(
  message: KafkaMessage,
  plan: TopicPlan,
  decoder: SchemaDecoder,
): ReturnType<SchemaDecoder['decode']> {
  if (!message.value || message.value.length === 0)
    throw new PoisonMessageError('EMPTY_MESSAGE', 'message has no value');
  let decoded: ReturnType<SchemaDecoder['decode']>;
  try {
    decoded = decoder.decode(message.value);
  } catch (error) {
    if ((error as { code?: string }).code) throw error;
    throw new PoisonMessageError('AVRO_DECODE', `cannot decode the Avro body: ${(error as Error).message}`);
  }
  if (decoded.codec.resource !== plan.codec.resource) {
    throw new PoisonMessageError(
      'SCHEMA_MISMATCH',
      `message is a ${decoded.codec.resource} record, but ${plan.topic} holds ${plan.resource} records`,
    );
  }
  const value = decoded.value;
  for (const key of plan.keyFields) {
    if (value[key] === null || value[key] === undefined || value[key] === '') {
      throw new PoisonMessageError('MISSING_PRIMARY_KEY', `record has no primary key "${key}"`);
    }
  }
  return decoded;
}

interface Rejected {
  readonly item: Pending;
  readonly error: Error;
}

/**
 * Inserts until ClickHouse accepts. While it fails for reasons of its own (down, overloaded), the
 * partition is paused and the insert retried with backoff, heartbeating so the group keeps the
 * partition here. When ClickHouse blames the data, the rows are bisected (each half with a token derived
 * from the chunk's) until the rejected rows are found; those are returned for the dead-letter topic.
 * Undefined when abandoned.
 */
async function insertWithRetry(
  payload: EachBatchPayload,
  plan: TopicPlan,
  items: readonly Pending[],
  token: string,
  ctx: BatchContext,
): Promise<Rejected[] | undefined> {
  let resume: (() => void) | undefined;
  try {
    return await insertOrIsolate(items, token);
  } finally {
    resume?.();
  }

  async function insertOrIsolate(part: readonly Pending[], partToken: string): Promise<Rejected[] | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const started = Date.now();
        await whileHeartbeating(payload, () =>
          ctx.sink.insert(plan.spec, { rows: part.map((p) => p.row), dedupToken: partToken }),
        );
        ctx.timing.insertMs += Date.now() - started;
        ctx.outage.recovered(plan.report.table);
        if (resume) {
          resume();
          resume = undefined;
        }
        return [];
      } catch (error) {
        if (isRejectedData(error)) {
          if (part.length === 1) return [{ item: part[0] as Pending, error: error as Error }];
          const mid = Math.ceil(part.length / 2);
          const left = await insertOrIsolate(part.slice(0, mid), `${partToken}/a`);
          if (left === undefined) return undefined;
          const right = await insertOrIsolate(part.slice(mid), `${partToken}/b`);
          return right === undefined ? undefined : [...left, ...right];
        }
        ctx.outage.failed(plan.report.table, error as Error);
        ctx.emit({
          type: 'insert-failed',
          topic: plan.topic,
          partition: payload.batch.partition,
          attempt,
          error: error as Error,
        });
        resume ??= payload.pause();
        if (!payload.isRunning() || payload.isStale() || ctx.stopping.aborted) return undefined;
        if (!(await sleepUnlessAborted(retryDelayMs(ctx.retry, attempt), ctx.stopping))) return undefined;
        if (isMissingTable(error)) {
          ctx.sink.forget(plan.spec);
          await ctx.sink.ensureTable(plan.spec).catch(() => undefined);
        }
        // Throws while the group rebalances: the chunk is abandoned uncommitted, kafkajs rejoins.
        await payload.heartbeat();
      }
    }
  }
}

/** Keeps the group membership alive during a long insert (kafkajs heartbeats only between calls). */
async function whileHeartbeating<T>(payload: EachBatchPayload, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => void payload.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * The control consumer: each run-completion message waits until the data group has committed the run's
 * end offsets, then marks the keys the run did not return as deleted, then is committed.
 */
async function applyRunCompletions(
  payload: EachBatchPayload,
  plans: ReadonlyMap<string, TopicPlan>,
  env: { readonly admin: Admin; readonly groupId: string; readonly context: BatchContext },
  committed: (next: bigint) => void,
): Promise<void> {
  const { batch } = payload;
  const ctx = env.context;
  for (const message of batch.messages) {
    if (!payload.isRunning() || payload.isStale() || ctx.stopping.aborted) return;
    let completion: RunCompletion | undefined;
    try {
      completion = decodeRunCompletion(message.value);
    } catch (error) {
      ctx.logger.error(
        { err: error, topic: batch.topic, offset: message.offset },
        'skipping an unreadable control message',
      );
    }
    const plan = completion ? plans.get(completion.topic) : undefined;
    if (completion && plan && plan.spec.writeDisposition === 'replace') {
      if (!(await applyOne(payload, plan, completion, env))) return;
    } else if (completion) {
      ctx.logger.warn(
        { topic: completion.topic, runId: completion.runId },
        'control message for a topic this consumer does not load as replace; skipped',
      );
    }
    payload.resolveOffset(message.offset);
    const next = BigInt(message.offset) + 1n;
    await commit(payload, next);
    committed(next);
  }
}

async function applyOne(
  payload: EachBatchPayload,
  plan: TopicPlan,
  completion: RunCompletion,
  env: { readonly admin: Admin; readonly groupId: string; readonly context: BatchContext },
): Promise<boolean> {
  const ctx = env.context;
  // Every record of the run must be in ClickHouse before absence can mean deletion.
  while (!(await dataCommitted(env.admin, env.groupId, completion))) {
    if (!payload.isRunning() || payload.isStale()) return false;
    if (!(await sleepUnlessAborted(CONTROL_POLL_MS, ctx.stopping))) return false;
    await payload.heartbeat();
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const keys = await ctx.sink.markMissingDeleted(plan.spec, completion);
      ctx.outage.recovered(plan.report.table);
      plan.report.deleted += keys;
      ctx.logger.info(
        { table: plan.report.table, runId: completion.runId, keys },
        'completed full extraction: keys it no longer returned are marked deleted',
      );
      ctx.emit({ type: 'deleted', topic: plan.topic, runId: completion.runId, keys });
      return true;
    } catch (error) {
      ctx.outage.failed(plan.report.table, error as Error);
      if (!payload.isRunning() || payload.isStale()) return false;
      if (!(await sleepUnlessAborted(retryDelayMs(ctx.retry, attempt), ctx.stopping))) return false;
      await payload.heartbeat();
    }
  }
}

/**
 * Where the group stands against the end offsets it must reach. Commits are counted from the start;
 * the targets (each partition's end offset) are read by aim(), at start or once a producer is done.
 */
class CatchUp {
  private targets: Map<string, bigint> | undefined;

  private constructor(
    private readonly topics: readonly string[],
    private readonly positions: Map<string, bigint>,
  ) {}

  static async start(admin: Admin, groupId: string, topics: readonly string[]): Promise<CatchUp> {
    const positions = new Map<string, bigint>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      for (const p of partitions) {
        const committed = BigInt(p.offset);
        if (committed >= 0n) positions.set(`${topic}:${p.partition}`, committed);
      }
    }
    return new CatchUp(topics, positions);
  }

  /** Reads the end offsets to reach; a partition never committed starts at its first offset still kept. */
  async aim(admin: Admin): Promise<void> {
    const targets = new Map<string, bigint>();
    for (const topic of this.topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const key = `${topic}:${p.partition}`;
        targets.set(key, BigInt(p.high));
        if ((this.positions.get(key) ?? -1n) < BigInt(p.low)) this.positions.set(key, BigInt(p.low));
      }
    }
    this.targets = targets;
  }

  /** Records a commit; true when every partition has reached its target. */
  advance(topic: string, partition: number, next: bigint): boolean {
    this.positions.set(`${topic}:${partition}`, next);
    return this.done();
  }

  done(): boolean {
    if (!this.targets) return false;
    for (const [key, target] of this.targets) if ((this.positions.get(key) ?? 0n) < target) return false;
    return true;
  }
}
