// Kafka → decode → ClickHouse. Per partition, a fetched batch is cut into chunks by the batch policy;
// each chunk keeps the latest record per key, is inserted with a token naming its offsets, and only
// then are its offsets committed. Poison messages go to `<topic>.dlq`; ClickHouse outages pause the
// partition and retry; replace resources get delete marks after a completed extraction.
// docs/consumers.md explains the guarantees and the operations around them.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Consumer, Kafka } from 'kafkajs';
import { loadResourceCodec, loadSchemaHistory, SchemaDecoder, type WriterSchema } from '../avro/schema-store.js';
import type { ResolvedSource } from '../config/source.js';
import { ensureTopics, producerConfig, retryRetriable, topicOffsets } from '../kafka/client.js';
import { dataTopicConfig } from '../kafka/message-size.js';
import type { TopicLayoutOverrides } from '../kafka/topic-layout.js';
import { deadLetterTopic, topicName } from '../contracts/topics.js';
import type { Logger } from '../log.js';
import type { ConsumerEvent } from '../observability/events.js';
import { selectResources } from '../config/select.js';
import { applyRunCompletions } from './apply-run-completions.js';
import { batchPolicy, fetchSettings, type BatchPolicy } from './batch-policy.js';
import { SINGLE_SERVER, type ClickHouseTopology } from '../clickhouse/ddl.js';
import { primaryKeyFields } from '../avro/names.js';
import { GroupLag } from './end-offsets.js';
import { insertRetryPolicy, OutageLog, type InsertRetryPolicy } from './insert-retry.js';
import { compileRecordKey } from './latest.js';
import { loadPartitionBatch } from './partition-load.js';
import { controlTopic } from '../contracts/topics.js';
import { DEFAULT_GROUP_TIMEOUTS, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './settings.js';
import { ClickHouseSink } from './sink.js';
import { tableSpec, type TableSpec } from './table-schema.js';
import { TableEvolution } from './table-evolution.js';
import type { LoadContext, TableReport, TopicPlan } from './topic-plan.js';

export type { TableReport } from './topic-plan.js';

/** What `consume()` loads, from which topics, into which ClickHouse, and when it stops. */
export interface ConsumeOptions {
  /** the resolved config: `defineSource(...)` or `loadSourceFile(...)` */
  readonly source: ResolvedSource;
  /** from `createKafka(settings)` */
  readonly kafka: Kafka;
  /** from `openClickHouse(settings)` */
  readonly clickhouse: ClickHouseClient;
  /** directory holding `<source>/<resource>.avsc` and their older versions */
  readonly schemasDir: string;
  readonly logger: Logger;
  /**
   * names of resources to load
   * @default every resource with `selected` not false
   */
  readonly resources?: readonly string[] | undefined;
  /**
   * the consumer group; the control topics are read by `<groupId>.control`
   * @default `streamtap.<source>`
   */
  readonly groupId?: string | undefined;
  /**
   * `caught-up`: stop once every partition is committed up to its end offset, read at start, or when
   * `catchUpAfter` settles if given; `signal`: run until `signal` aborts
   */
  readonly until: 'caught-up' | 'signal';
  /**
   * With `caught-up`: the end offsets to reach are read only once this settles (resolved or rejected),
   * so a consumer started beside a producer (`streamtap run`) loads while extraction goes on, and stops
   * once it has everything the producer wrote.
   * @default unset: end offsets read at start
   */
  readonly catchUpAfter?: Promise<unknown> | undefined;
  /**
   * aborting it stops the consumer cleanly: the current chunk is finished or abandoned, nothing half-committed
   * @default none
   */
  readonly signal?: AbortSignal | undefined;
  /** records, bytes and wait per insert; fields left out keep their defaults (see BatchPolicy) */
  readonly batch?: Partial<BatchPolicy> | undefined;
  /** waits between insert attempts while ClickHouse is unavailable (see InsertRetryPolicy) */
  readonly retry?: Partial<InsertRetryPolicy> | undefined;
  /**
   * cluster, replication and sharding of the tables created (see ClickHouseTopology)
   * @default one server, or the embedded engine
   */
  readonly topology?: ClickHouseTopology | undefined;
  /**
   * longest clean shutdown (disconnects), in milliseconds, before consume() returns anyway
   * @default 30000 (30 s)
   */
  readonly shutdownTimeoutMs?: number | undefined;
  /**
   * the heartbeat interval in milliseconds. The heartbeat sent between chunks is how a consumer learns
   * that the group is rebalancing and stops mid-batch; a shorter interval hands partitions over sooner.
   * @default 1000 (1 s; DEFAULT_GROUP_TIMEOUTS)
   */
  readonly heartbeatIntervalMs?: number | undefined;
  /**
   * the group's session timeout in milliseconds: how long a member that stopped heartbeating (killed,
   * stalled) keeps its partitions before the coordinator hands them to the others (see GroupTimeouts)
   * @default 10000 (10 s; DEFAULT_GROUP_TIMEOUTS)
   */
  readonly sessionTimeoutMs?: number | undefined;
  /**
   * Partitions of one fetch worked on at once: while one partition's insert runs, the next
   * partition's chunk is decoded. Each partition still inserts and commits its own chunks in order.
   * @default 3
   */
  readonly partitionsInParallel?: number | undefined;
  /**
   * replication factor, min.insync.replicas, partitions of topics the consumer creates first (src/kafka/topic-layout.ts)
   * @default from the cluster size: replication factor min(3, brokers)
   */
  readonly topics?: TopicLayoutOverrides | undefined;
  /**
   * progress events, for tests, benchmarks and metrics; must not throw
   * @default none
   */
  readonly onEvent?: ((event: ConsumerEvent) => void) | undefined;
}

/** A resource whose table could not be set up (schema, primary key, DDL): not consumed, offsets uncommitted. */
export interface SkippedTable {
  readonly resource: string;
  readonly topic: string;
  readonly table: string;
  readonly error: Error;
}

export interface ConsumeReport {
  readonly tables: readonly TableReport[];
  /** resources not consumed because their table could not be set up; the caller reports them as failed */
  readonly skipped: readonly SkippedTable[];
  readonly batch: BatchPolicy;
  /** wall time of consume(), and the part of it spent in successful ClickHouse inserts */
  readonly elapsedMs: number;
  readonly insertMs: number;
  /** `timed-out`: connections did not close within shutdownTimeoutMs; the caller should exit the process */
  readonly shutdown: 'clean' | 'timed-out';
}

/** While one partition's insert runs in ClickHouse (off the main thread when embedded), the next is decoded. */
const PARTITIONS_IN_PARALLEL = 3;

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
  const skipped: SkippedTable[] = [];
  const sink = new ClickHouseSink(options.clickhouse, options.topology ?? SINGLE_SERVER);
  for (const r of resources) {
    const codec = await loadResourceCodec(options.schemasDir, source.name, r.tableName);
    codecs.push(codec, ...(await loadSchemaHistory(options.schemasDir, source.name, r.tableName)));
    const topic = topicName(source.name, r.tableName);
    let keyFields: string[];
    let spec: TableSpec;
    try {
      // The config names API fields (`member-id`); the table and the decoded records use Avro names (`member_id`).
      keyFields = primaryKeyFields(codec.schema, r.primaryKey, codec.file);
      spec = tableSpec(source.name, r.tableName, codec.schema, keyFields, r.writeDisposition);
      await sink.ensureTable(spec);
    } catch (error) {
      // One table's trouble stays in that table: it is not subscribed (its offsets stay uncommitted, so
      // nothing is lost), it is reported, and the other resources load.
      skipped.push({ resource: r.name, topic, table: `${source.name}.${r.tableName}`, error: error as Error });
      logger.error(
        { err: error, resource: r.name, topic },
        'table cannot be set up: this resource is skipped, its offsets stay uncommitted; the others load',
      );
      continue;
    }
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
  if (plans.size === 0 && skipped[0]) throw skipped[0].error;

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
    skipped,
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
    sessionTimeout: options.sessionTimeoutMs ?? DEFAULT_GROUP_TIMEOUTS.sessionTimeoutMs,
    heartbeatInterval: options.heartbeatIntervalMs ?? DEFAULT_GROUP_TIMEOUTS.heartbeatIntervalMs,
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
          {
            topic,
            partitions: source.resources.find((r) => r.name === plan.resource)?.partitions,
            config: dataTopicConfig(options.topics?.maxMessageBytes),
          },
          { topic: deadLetterTopic(topic), partitions: 1, config: dataTopicConfig(options.topics?.maxMessageBytes) },
        ]),
        ...controlTopics.map((topic) => ({ topic, partitions: 1 })),
      ],
      options.topics,
    );
    await retryRetriable(() => dlqProducer.connect());
    const caughtUp = options.until === 'caught-up';
    const dataProgress = caughtUp ? await retryRetriable(() => GroupLag.read(admin, groupId, topics)) : undefined;
    const controlProgress =
      caughtUp && control ? await retryRetriable(() => GroupLag.read(admin, controlGroupId, controlTopics)) : undefined;
    const allDone = (): boolean =>
      Boolean(dataProgress?.caughtUp() && (!controlProgress || controlProgress.caughtUp()));
    const readEndOffsets = async (): Promise<void> => {
      // Often read right after the producer's last acks: a fresh admin per read, as leaders may have moved.
      const offsetsOf = (topic: string) => topicOffsets(options.kafka, topic);
      await dataProgress?.readEndOffsets(offsetsOf);
      await controlProgress?.readEndOffsets(offsetsOf);
    };
    if (!options.catchUpAfter) await readEndOffsets();
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
        .then(readEndOffsets)
        .then(() => allDone() && finish(), finish);

      const context: LoadContext = {
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
          await loadPartitionBatch(payload, plan, context, (partition, next) => {
            if (dataProgress?.committed(plan.topic, partition, next) && allDone()) finish();
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
              if (controlProgress?.committed(payload.batch.topic, payload.batch.partition, next) && allDone()) finish();
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
