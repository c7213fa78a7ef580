// Produce once: every selected resource of a source, in parallel, into its topic.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { loadResourceCodec, type ResourceCodec } from '../avro/schema-store.js';
import type { SecretSources } from '../config/secrets.js';
import type { ResolvedResource, ResolvedSource } from '../config/source.js';
import { producerConfig, retryRetriable, deadLetterTopic, ensureTopics, topicName } from '../kafka/client.js';
import type { Logger } from '../log.js';
import { RestClient } from '../rest/client.js';
import type { HttpClientOptions } from '../rest/http-client.js';
import type { RetryPolicy } from '../rest/retry.js';
import { emptyCounts, publishResource } from './publisher.js';
import { compileKeyOf } from './record-key.js';
import { resourceStream } from './resource-stream.js';
import { SerialSender } from './serial-sender.js';
import { createVersionClock } from './version-clock.js';

export interface ProduceOptions {
  readonly source: ResolvedSource;
  readonly kafka: Kafka;
  readonly schemasDir: string;
  readonly secrets: SecretSources;
  readonly logger: Logger;
  /** names of resources to run; default: every `selected` resource */
  readonly resources?: readonly string[] | undefined;
  readonly runId?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly http?: HttpClientOptions;
  readonly partitions?: number;
}

export interface ResourceReport {
  readonly resource: string;
  readonly topic: string;
  readonly ok: boolean;
  readonly pages: number;
  readonly records: number;
  readonly rejected: number;
  readonly withExtra: number;
  readonly bytes: number;
  readonly retries: number;
  readonly durationMs: number;
  readonly error?: string;
}

export interface ProduceReport {
  readonly runId: string;
  readonly ok: boolean;
  readonly resources: readonly ResourceReport[];
}

export function selectResources(source: ResolvedSource, names: readonly string[] | undefined): ResolvedResource[] {
  if (!names || names.length === 0) return source.resources.filter((r) => r.selected);
  return names.map((name) => {
    const found = source.resources.find((r) => r.name === name);
    if (!found) throw new Error(`unknown resource "${name}"; the source has: ${source.resources.map((r) => r.name).join(', ')}`);
    return found;
  });
}

export async function produce(options: ProduceOptions): Promise<ProduceReport> {
  const { source, logger } = options;
  const runId = options.runId ?? randomUUID();
  const resources = selectResources(source, options.resources);
  // Everything that can fail without the network fails first: schemas, secrets.
  const codecs = new Map<string, ResourceCodec>();
  for (const r of resources) codecs.set(r.name, await loadResourceCodec(options.schemasDir, source.name, r.tableName));
  const retries = new Map<string, number>();
  const client = new RestClient(source, {
    secrets: options.secrets,
    ...(options.http ? { http: options.http } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    onRetry: (resource, event) => {
      retries.set(resource, (retries.get(resource) ?? 0) + 1);
      logger.warn({ resource, attempt: event.attempt, delayMs: event.delayMs, code: event.error.code, status: event.error.context.status }, 'retrying request');
    },
  });

  const admin = options.kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(
      admin,
      resources.flatMap((r) => {
        const topic = topicName(source.name, r.tableName);
        return [{ topic, partitions: options.partitions ?? 3 }, { topic: deadLetterTopic(topic), partitions: 1 }];
      }),
    );
  } finally {
    await admin.disconnect();
  }

  const producer = options.kafka.producer(producerConfig());
  await retryRetriable(() => producer.connect());
  const sender = new SerialSender(producer);
  const nextVersion = createVersionClock();
  try {
    const reports = await Promise.all(
      resources.map(async (resource): Promise<ResourceReport> => {
        const topic = topicName(source.name, resource.tableName);
        const started = Date.now();
        const log = logger.child({ resource: resource.name, topic, runId });
        let pages = 0;
        const counts = emptyCounts();
        try {
          const stream = resourceStream(resource, client, {
            onPage: (page) => {
              pages++;
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
              runId,
              codec: codecs.get(resource.name) as ResourceCodec,
              keyOf: compileKeyOf(resource.primaryKey),
              nextVersion,
            },
            counts,
          );
          if (counts.rejected > 0) log.warn({ rejected: counts.rejected, dlq: deadLetterTopic(topic) }, 'records sent to the dead-letter topic');
          if (counts.withExtra > 0) log.warn({ records: counts.withExtra }, 'records carried fields the schema does not know; they are kept in _extra');
          log.info({ pages, ...counts, ms: Date.now() - started }, 'resource done');
          return report(resource.name, topic, counts.rejected === 0, pages, counts, retries, started);
        } catch (error) {
          log.error({ err: error, pages }, 'resource failed');
          return { ...report(resource.name, topic, false, pages, counts, retries, started), error: (error as Error).message };
        }
      }),
    );
    return { runId, ok: reports.every((r) => r.ok), resources: reports };
  } finally {
    await producer.disconnect();
    await client.close();
  }
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
  return { resource, topic, ok, pages, ...counts, retries: retries.get(resource) ?? 0, durationMs: Date.now() - started };
}
