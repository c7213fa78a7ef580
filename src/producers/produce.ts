// Produce once: every selected resource of a source, in parallel, into its topic.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { loadResourceCodec, SchemaMissingError, withWireFormat, type ResourceCodec } from '../avro/schema-store.js';
import { discardReport, driftReport, schemaDrift } from '../avro/drift.js';
import { primaryKeyFields, PrimaryKeyFieldError } from '../avro/names.js';
import type { SchemaRegistry } from '../avro/registry.js';
import type { SecretSources } from '../config/secrets.js';
import type { ResolvedSource } from '../config/source.js';
import { selectResources } from '../config/select.js';
import {
  producerConfig,
  retryRetriable,
  ensureTopics,
  kafkaSettingsOf,
  topicMaxMessageBytes,
} from '../kafka/client.js';
import { dataTopicConfig, KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../kafka/message-size.js';
import type { TopicLayoutOverrides } from '../kafka/topic-layout.js';
import { deadLetterTopic, topicName } from '../contracts/topics.js';
import type { Logger } from '../log.js';
import type { ProduceObserver, ResourceReport } from '../observability/events.js';
import { RestClient } from '../rest/client.js';
import { ExtractionSession } from '../rest/extract.js';
import { IncrementalStateStore, stateTopicSpecs } from './incremental-state.js';
import { stateTopicName } from '../contracts/topics.js';
import type { HttpClientOptions } from '../rest/http-client.js';
import type { RetryPolicy } from '../rest/retry.js';
import { emptyCounts, publishResource } from './publisher.js';
import { compileKeyOf } from './record-key.js';
import { resourceStream } from './resource-stream.js';
import { SerialSender, type BatchSender } from './serial-sender.js';
import { ClusterPartitionCounts } from '../kafka/partition-counts.js';
import { ThreadSender } from './sender-thread.js';
import { publishRunCompletion } from './run-completion.js';
import { controlTopic } from '../contracts/topics.js';
import { createVersionClock } from './version-clock.js';
import { columnsEvolution, type ColumnsEvolution } from './schema-evolution.js';

/** What `produce()` extracts, and where it publishes. */
export interface ProduceOptions {
  /** the resolved config: `defineSource(...)` or `loadSourceFile(...)` */
  readonly source: ResolvedSource;
  /** from `createKafka(settings)` */
  readonly kafka: Kafka;
  /** directory holding `<source>/<resource>.avsc`; a missing file fails before any request */
  readonly schemasDir: string;
  /** where `secret(...)` values are looked up */
  readonly secrets: SecretSources;
  readonly logger: Logger;
  /**
   * names of resources to run
   * @default every resource with `selected` not false
   */
  readonly resources?: readonly string[] | undefined;
  /**
   * id carried in every record's headers and in the run-completion message
   * @default a random UUID
   */
  readonly runId?: string;
  /** REST retries; fields left out keep their defaults (see RetryPolicy) */
  readonly retry?: Partial<RetryPolicy>;
  /** HTTP connection pool, timeout and size limit (see HttpClientOptions) */
  readonly http?: HttpClientOptions;
  /**
   * partitions of a resource topic whose resource names none; an existing topic keeps its own
   * @default `topics.partitions`, else 3
   */
  readonly partitions?: number;
  /**
   * replication factor, min.insync.replicas, partitions of the topics created (src/kafka/topic-layout.ts)
   * @default from the cluster size: replication factor min(3, brokers)
   */
  readonly topics?: TopicLayoutOverrides | undefined;
  /**
   * compacted topic for incremental state
   * @default $STREAMTAP_STATE_TOPIC, else `streamtap.incremental-state`
   */
  readonly stateTopic?: string;
  /**
   * progress and metrics hooks (src/observability/events.ts)
   * @default none
   */
  readonly observer?: ProduceObserver | undefined;
  /**
   * `max.message.bytes` in bytes of the data and dead-letter topics this run creates
   * (src/kafka/message-size.ts); topics that exist keep theirs. Records over a topic's limit are dead-lettered.
   * @default `topics.maxMessageBytes` (STREAMTAP_TOPIC_MAX_MESSAGE_BYTES, --max-message-bytes), else 8388608 (8 MiB)
   */
  readonly maxMessageBytes?: number;
  /**
   * Confluent wire format through this registry; `null`: Avro single-object encoding
   * @default a registry at $SCHEMA_REGISTRY_URL if set, else single-object encoding
   */
  readonly schemaRegistry?: SchemaRegistry | null | undefined;
  /**
   * Kafka's client on a thread of its own (src/producers/sender-thread.ts): kafkajs's encoding and the
   * wait for acks overlap the fetching, parsing and Avro encoding on this thread. Needs a `kafka` made by
   * `createKafka` (its settings make the thread's client); any other client sends on this thread.
   * @default true
   */
  readonly senderThread?: boolean;
  /**
   * names of resources whose table is new in this run (their schema file was inferred just before it): as in
   * dlt (`Schema.apply_schema_contract`: a new table's columns evolve), their `schema_contract` columns is
   * `evolve` for this run whatever it says; `data_type` still applies
   * @default none
   */
  readonly newTables?: readonly string[] | undefined;
}

export interface ProduceReport {
  readonly runId: string;
  readonly ok: boolean;
  readonly resources: readonly ResourceReport[];
}

export async function produce(options: ProduceOptions): Promise<ProduceReport> {
  const { source, logger } = options;
  const runId = options.runId ?? randomUUID();
  const resources = selectResources(source, options.resources);
  // Everything that can fail without the network fails first: schemas, secrets.
  const codecs = new Map<string, ResourceCodec>();
  const evolutions = new Map<string, ColumnsEvolution>();
  // With SCHEMA_REGISTRY_URL, each schema is registered under <topic>-value first (Confluent wire format).
  for (const r of resources) {
    const topic = topicName(source.name, r.tableName);
    const contract = options.newTables?.includes(r.name)
      ? { ...r.schemaContract, columns: 'evolve' as const }
      : r.schemaContract;
    const evolution = columnsEvolution({
      schemasDir: options.schemasDir,
      source: source.name,
      table: r.tableName,
      primaryKey: r.primaryKey,
      columns: r.columns,
      topic,
      contract,
      registry: options.schemaRegistry,
      logger: logger.child({ resource: r.name }),
    });
    evolutions.set(r.name, evolution);
    const codec = await loadResourceCodec(options.schemasDir, source.name, r.tableName, {
      contract,
      evolvable: evolution.evolvable,
    }).catch((error: unknown) => {
      if (error instanceof SchemaMissingError && r.schemaContract.tables !== 'evolve')
        error.message +=
          `; schema_contract tables is "${r.schemaContract.tables}", so no schema is inferred for it ` +
          '(dlt: a new table is not created); write the file with `streamtap schema infer`, or set tables to "evolve"';
      throw error;
    });
    codecs.set(r.name, await withWireFormat(codec, topic, options.schemaRegistry));
  }
  // A primary key the schema lacks would fail every record and then the consumer: that resource is not
  // extracted and is reported as failed; the others go on (one resource's trouble stays its own).
  const keyErrors = new Map<string, Error>();
  for (const r of resources) {
    const codec = codecs.get(r.name) as ResourceCodec;
    try {
      primaryKeyFields(codec.schema, r.primaryKey, codec.file);
    } catch (error) {
      if (!(error instanceof PrimaryKeyFieldError) || resources.length === 1) throw error;
      keyErrors.set(r.name, error);
    }
  }
  if (keyErrors.size === resources.length) throw keyErrors.values().next().value as Error;
  const retries = new Map<string, number>();
  const client = new RestClient(source, {
    secrets: options.secrets,
    http: options.http,
    retry: options.retry,
    onRetry: (resource, event) => {
      retries.set(resource, (retries.get(resource) ?? 0) + 1);
      options.observer?.retry?.({
        resource,
        attempt: event.attempt,
        delayMs: event.delayMs,
        status: event.error.context.status,
        code: event.error.code,
      });
      logger.warn(
        {
          resource,
          attempt: event.attempt,
          delayMs: event.delayMs,
          code: event.error.code,
          status: event.error.context.status,
        },
        'retrying request',
      );
    },
  });

  const stateTopics = stateTopicSpecs(source, resources, options.stateTopic ?? stateTopicName());
  const sizeConfig = dataTopicConfig(options.maxMessageBytes ?? options.topics?.maxMessageBytes);
  let messageLimits = new Map<string, number>();
  const limitOf = (topic: string) => messageLimits.get(topic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  const admin = options.kafka.admin();
  await admin.connect();
  try {
    const ensured = await ensureTopics(
      admin,
      resources.flatMap((r) => {
        const topic = topicName(source.name, r.tableName);
        const control = r.writeDisposition === 'replace' ? [{ topic: controlTopic(topic), partitions: 1 }] : [];
        return [
          { topic, partitions: r.partitions ?? options.partitions, config: sizeConfig },
          { topic: deadLetterTopic(topic), partitions: 1, config: sizeConfig },
          ...control,
        ];
      }),
      options.topics,
    );
    for (const m of ensured.mismatches)
      logger.warn(
        { topic: m.topic, partitions: m.partitions, configured: m.wanted },
        'topic exists with another partition count than configured; Kafka keeps it as it is (docs/operations.md)',
      );
    // Existing topics keep the limit they have: records are measured against what the broker applies.
    messageLimits = await topicMaxMessageBytes(
      admin,
      resources.flatMap((r) => {
        const topic = topicName(source.name, r.tableName);
        return [topic, deadLetterTopic(topic)];
      }),
    );
    if (stateTopics.length > 0) await ensureTopics(admin, stateTopics, options.topics);
  } finally {
    await admin.disconnect();
  }

  const { sender, close } = await openSender(options.kafka, logger, options.senderThread ?? true);
  const nextVersion = createVersionClock();
  try {
    // Incremental state is read before the first request and written only after Kafka acknowledged the records.
    const stateStore = stateTopics[0] ? new IncrementalStateStore(options.kafka, stateTopics[0].topic) : undefined;
    const session = new ExtractionSession(source, client, resources, {
      runId,
      states: stateStore ? await stateStore.load(source.name) : undefined,
      commit: async (resource, state) => {
        await stateStore?.save(sender, source.name, resource, state);
        logger.info({ resource, lastValue: state.lastValue }, 'incremental state saved');
      },
    });
    const reports = await Promise.all(
      resources.map(async (resource): Promise<ResourceReport> => {
        const topic = topicName(source.name, resource.tableName);
        const started = Date.now();
        const log = logger.child({ resource: resource.name, topic, runId });
        let pages = 0;
        const counts = emptyCounts();
        const warnings: string[] = [];
        options.observer?.resourceStarted?.({ resource: resource.name, topic, runId });
        // Every record of this run gets a _version at or above startVersion (deletes for replace, below).
        const startVersion = nextVersion();
        try {
          const keyError = keyErrors.get(resource.name);
          if (keyError) throw keyError;
          const stream = resourceStream(resource, client, {
            session,
            onPage: (page) => {
              pages++;
              for (const warning of page.warnings ?? []) {
                if (warnings.includes(warning)) continue;
                warnings.push(warning);
                log.warn({ page: page.number, url: page.url }, `possible partial load: ${warning}`);
              }
              options.observer?.page?.({
                resource: resource.name,
                topic,
                page: page.number,
                records: page.records.length,
                bytes: page.bytes,
                status: page.status,
                published: counts,
              });
              if (page.number % 100 === 0) log.info({ pages: page.number }, 'extracting');
            },
          });
          await publishResource(
            stream,
            sender,
            {
              source: source.name,
              resource: resource.name,
              topic,
              deadLetterTopic: deadLetterTopic(topic),
              maxMessageBytes: limitOf(topic),
              deadLetterMaxMessageBytes: limitOf(deadLetterTopic(topic)),
              runId,
              codec: codecs.get(resource.name) as ResourceCodec,
              evolve: evolutions.get(resource.name)?.evolve,
              keyOf: compileKeyOf(resource.primaryKey),
              nextVersion,
            },
            counts,
          );
          await session.complete(resource.name, true);
          if (counts.rejected > 0)
            log.warn(
              { rejected: counts.rejected, dlq: deadLetterTopic(topic) },
              'records sent to the dead-letter topic',
            );
          const drift = counts.withExtra > 0 ? schemaDrift.get(source.name, resource.tableName) : undefined;
          if (drift) {
            const { message, paths } = driftReport(
              drift,
              codecs.get(resource.name)?.file ?? resource.tableName,
              counts.withExtra,
              new Set(Object.keys(resource.columns)),
            );
            log.warn({ records: counts.withExtra, paths }, message);
          }
          const discards = counts.discardedValues > 0 ? schemaDrift.get(source.name, resource.tableName) : undefined;
          if (discards) {
            const file = codecs.get(resource.name)?.file ?? resource.tableName;
            const { message, paths } = discardReport(discards, file, counts.discardedValues);
            log.warn({ values: counts.discardedValues, paths }, message);
          }
          if (counts.discardedRows > 0)
            log.warn(
              { records: counts.discardedRows, dlq: deadLetterTopic(topic) },
              `${counts.discardedRows} records broke schema_contract (discard_row) and were sent to the dead-letter topic ` +
                'with the reason; the rest of the resource was published',
            );
          if (resource.writeDisposition === 'replace' && counts.rejected === 0) {
            // A complete, clean full extraction: consumers may now mark the keys it did not return as deleted.
            const args = {
              source: source.name,
              resource: resource.name,
              topic,
              runId,
              startVersion,
              endVersion: nextVersion(),
            };
            await publishRunCompletion(options.kafka, (batches) => sender.send(batches), args);
          }
          log.info({ pages, ...counts, ms: Date.now() - started }, 'resource done');
          return observed(
            options.observer,
            withWarnings(
              report(resource.name, topic, counts.rejected === 0, pages, counts, retries, started),
              warnings,
            ),
          );
        } catch (error) {
          await session.complete(resource.name, false);
          log.error({ err: error, pages }, 'resource failed');
          return observed(
            options.observer,
            {
              ...withWarnings(report(resource.name, topic, false, pages, counts, retries, started), warnings),
              error: (error as Error).message,
            },
            error,
          );
        }
      }),
    );
    return { runId, ok: reports.every((r) => r.ok), resources: reports };
  } finally {
    await close();
    await client.close();
  }
}

/** The sender of this run: on its own thread when the client's settings are known, else on this one. */
async function openSender(
  kafka: Kafka,
  logger: Logger,
  thread: boolean,
): Promise<{ sender: BatchSender; close: () => Promise<void> }> {
  const settings = thread ? kafkaSettingsOf(kafka) : undefined;
  if (settings) {
    const sender = await ThreadSender.start(settings, logger);
    return { sender, close: () => sender.close() };
  }
  const producer = kafka.producer(producerConfig());
  await retryRetriable(() => producer.connect());
  const partitions = new ClusterPartitionCounts(kafka);
  return {
    sender: new SerialSender(producer, partitions),
    close: async () => {
      await partitions.close();
      await producer.disconnect();
    },
  };
}

function withWarnings(result: ResourceReport, warnings: readonly string[]): ResourceReport {
  return warnings.length === 0 ? result : { ...result, warnings: [...warnings] };
}

function observed(observer: ProduceObserver | undefined, result: ResourceReport, error?: unknown): ResourceReport {
  observer?.resourceFinished?.(result, error);
  return result;
}

function report(
  resource: string,
  topic: string,
  ok: boolean,
  pages: number,
  counts: { records: number; rejected: number; withExtra: number; bytes: number },
  retries: Map<string, number>,
  started: number,
): ResourceReport {
  return {
    resource,
    topic,
    ok,
    pages,
    ...counts,
    retries: retries.get(resource) ?? 0,
    durationMs: Date.now() - started,
  };
}
