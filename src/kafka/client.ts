// Thin adapter over kafkajs: one place for connection settings, logging and topic creation.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import kafkajs, {
  type Admin,
  type Kafka,
  type KafkaConfig,
  type LogEntry,
  type ProducerConfig,
  type SASLOptions,
} from 'kafkajs';
import { ConfigError } from '../config/errors.js';
import { defaultPartitioner } from './partitioner.js';
import { clusterTopicLayout, type TopicLayout, type TopicLayoutOverrides } from './topic-layout.js';
import type { Logger } from '../log.js';
import { backoffMs, retry, sleep as sleepFor, type Backoff } from '../retry.js';

const { Kafka: KafkaClass, logLevel, ConfigResourceTypes } = kafkajs;

/** How to reach Kafka; `kafkaSettingsFromEnv()` reads them from the environment. */
export interface KafkaSettings {
  /**
   * bootstrap servers, `host:port` each
   * @default from $KAFKA_BROKERS (comma-separated), else `localhost:9092`
   */
  readonly brokers: readonly string[];
  /**
   * client.id sent to the brokers
   * @default $KAFKA_CLIENT_ID, else `streamtap`
   */
  readonly clientId?: string;
  /**
   * TLS: true for the system CAs, or options with a CA bundle / client certificate
   * @default plaintext (no TLS)
   */
  readonly ssl?: boolean | ConnectionOptions | undefined;
  /**
   * SASL PLAIN or SCRAM credentials
   * @default none
   */
  readonly sasl?: SASLOptions | undefined;
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * KAFKA_BROKERS; TLS from KAFKA_SSL=true, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE,
 * KAFKA_SSL_REJECT_UNAUTHORIZED=false; SASL from KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512),
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD.
 */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv = process.env, override?: string): KafkaSettings {
  const list = override ?? env.KAFKA_BROKERS ?? 'localhost:9092';
  return {
    brokers: list
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    ssl: sslFromEnv(env),
    sasl: saslFromEnv(env),
    ...(env.KAFKA_CLIENT_ID ? { clientId: env.KAFKA_CLIENT_ID } : {}),
  };
}

function sslFromEnv(env: NodeJS.ProcessEnv): KafkaSettings['ssl'] {
  const files = { ca: env.KAFKA_SSL_CA_FILE, cert: env.KAFKA_SSL_CERT_FILE, key: env.KAFKA_SSL_KEY_FILE };
  const on = /^(1|true|yes)$/i.test(env.KAFKA_SSL ?? '') || Object.values(files).some(Boolean);
  if (!on) return undefined;
  const options: ConnectionOptions = {
    ...(files.ca ? { ca: [readFileSync(files.ca, 'utf8')] } : {}),
    ...(files.cert ? { cert: readFileSync(files.cert, 'utf8') } : {}),
    ...(files.key ? { key: readFileSync(files.key, 'utf8') } : {}),
    ...(/^(0|false|no)$/i.test(env.KAFKA_SSL_REJECT_UNAUTHORIZED ?? '') ? { rejectUnauthorized: false } : {}),
  };
  return Object.keys(options).length === 0 ? true : options;
}

function saslFromEnv(env: NodeJS.ProcessEnv): SASLOptions | undefined {
  const mechanism = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  if (!mechanism) return undefined;
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
    throw new ConfigError('KAFKA_SASL_MECHANISM', [
      { path: 'kafka.sasl_mechanism', message: `"${mechanism}" is not one of ${SASL_MECHANISMS.join(', ')}` },
    ]);
  }
  const username = env.KAFKA_SASL_USERNAME;
  const password = env.KAFKA_SASL_PASSWORD;
  if (!username || !password) {
    throw new ConfigError('KAFKA_SASL_MECHANISM', [
      { path: 'kafka.sasl', message: `SASL ${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD` },
    ]);
  }
  return { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password } as SASLOptions;
}

// Warnings about choices made on purpose: producers pass an explicit partitioner (Java-compatible murmur2),
// and idempotent producers keep bounded retries so a dead broker fails a run loudly instead of hanging it;
// a batch replayed by a later run is absorbed by the key-based dedup downstream.
const QUIET = ['KafkaJS v2.0.0 switched default partitioner', 'Limiting retries for the idempotent producer'];
const TRANSIENT = ['The coordinator is loading', 'The group coordinator is not available'];
// Answers kafkajs handles by itself in a group's life: a member rejoins when the group rebalances, and
// looks the coordinator up again when it moved (a broker died or restarted).
const GROUP_CHANGES = ['The group is rebalancing', 'This is not the correct coordinator for this group'];

/**
 * The level a kafkajs log line gets in our log: `undefined` drops it. Expected, handled conditions never
 * log at error level: a freshly started broker's coordinator answers (kafkajs or retryRetriable tries
 * again), and a CreateTopics answer of "Topic creation errors", which kafkajs logs for every refused
 * topic, including TOPIC_ALREADY_EXISTS when another process created it between our listTopics and
 * createTopics; kafkajs treats that as success, and any other refusal is thrown to ensureTopics' caller.
 * A group member's answers of a rebalance or a moved coordinator are debug too (kafkajs rejoins and looks
 * the coordinator up again); a send that failed on a broker's lost connection is a warning, since the
 * producer retries it on the partition's next leader, and a send that finally fails is our own error.
 */
export function kafkajsLogLevel(
  level: number,
  message: string,
  fields: Readonly<Record<string, unknown>>,
): 'debug' | 'warn' | 'error' | undefined {
  if (QUIET.some((q) => message.startsWith(q))) return undefined;
  const error = String(fields.error ?? '');
  if (TRANSIENT.some((t) => error.includes(t))) return 'debug';
  if (message.startsWith('Response CreateTopics') && error === 'Topic creation errors') return 'debug';
  if (message.startsWith('Response ') && GROUP_CHANGES.some((g) => error.includes(g))) return 'debug';
  // The idempotent producer retries a send whose broker went away until metadata names a live leader.
  if (message.startsWith('Failed to send messages: Connection error')) return 'warn';
  return level <= logLevel.ERROR ? 'error' : 'warn';
}

// The settings each client was made with, so a second client on another thread can be made alike.
const settingsOf = new WeakMap<Kafka, KafkaSettings>();

/** The settings `createKafka` made `kafka` with (none given overrides); undefined for any other client. */
export function kafkaSettingsOf(kafka: Kafka): KafkaSettings | undefined {
  return settingsOf.get(kafka);
}

/** `overrides`: e.g. `{ retry: { retries: 0 } }` for a health probe that must answer fast. */
export function createKafka(settings: KafkaSettings, logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  const kafka = new KafkaClass({
    clientId: settings.clientId ?? 'streamtap',
    brokers: [...settings.brokers],
    ...(settings.ssl ? { ssl: settings.ssl } : {}),
    // A copy: kafkajs adds its authenticationProvider function to the object it is given, which would
    // make the settings uncloneable for the sender thread (src/producers/sender-thread.ts).
    ...(settings.sasl ? { sasl: { ...settings.sasl } } : {}),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const to = kafkajsLogLevel(level, message, rest);
        if (to) log[to](rest, message);
      },
    ...overrides,
  });
  if (Object.keys(overrides).length === 0) settingsOf.set(kafka, settings);
  return kafka;
}

export interface TopicSpec {
  readonly topic: string;
  /** default: the layout's partitions (settings topics.partitions, else 3) */
  readonly partitions?: number | undefined;
  /** cleanup.policy etc. */
  readonly config?: Readonly<Record<string, string>>;
}

/** A topic that existed before with another partition count than asked for: Kafka keeps what it has. */
export interface TopicMismatch {
  readonly topic: string;
  readonly partitions: number;
  readonly wanted: number;
}

export interface EnsuredTopics {
  readonly layout: TopicLayout;
  /** existing topics whose partition count differs from the spec; callers say so (never silent) */
  readonly mismatches: readonly TopicMismatch[];
}

/**
 * Creates missing topics and waits until each has a leader, so producers and consumers never race it.
 * Replication factor and min.insync.replicas follow the cluster size unless `overrides` say otherwise
 * (src/kafka/topic-layout.ts); existing topics are left as they are and reported when their partition
 * count differs. Throws ConfigError for an override the cluster cannot honour.
 */
export async function ensureTopics(
  admin: Admin,
  specs: readonly TopicSpec[],
  overrides: TopicLayoutOverrides = {},
): Promise<EnsuredTopics> {
  const layout = await clusterTopicLayout(admin, overrides);
  const wanted = (s: TopicSpec): number => s.partitions ?? layout.partitions;
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: wanted(s),
        replicationFactor: layout.replicationFactor,
        configEntries: Object.entries({ 'min.insync.replicas': String(layout.minInsyncReplicas), ...s.config }).map(
          ([name, value]) => ({ name, value }),
        ),
      })),
    });
  }
  // A broker that has not yet applied the new topics' metadata (one just restarted, say) answers
  // UNKNOWN_TOPIC_OR_PARTITION, which kafkajs marks retriable but does not retry here.
  const { topics } = await retryRetriable(() => admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) }));
  const mismatches = specs.flatMap((s): TopicMismatch[] => {
    const partitions = topics.find((t) => t.name === s.topic)?.partitions.length ?? 0;
    return partitions === wanted(s) ? [] : [{ topic: s.topic, partitions, wanted: wanted(s) }];
  });
  return { layout, mismatches };
}

/** Kafka admin and connect retries: 400 ms doubling to 5 s, jittered (about 25 s over 10 attempts). */
export const KAFKA_RETRY_BACKOFF: Backoff = Object.freeze({ initialMs: 400, maxMs: 5_000 });

/**
 * Each topic's effective `max.message.bytes` (its own setting, or the broker's `message.max.bytes`), so
 * a producer measures records against the limit the broker will apply rather than a guess.
 */
export async function topicMaxMessageBytes(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const response = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['max.message.bytes'],
    })),
  });
  const limits = new Map<string, number>();
  for (const r of response.resources) {
    const entry = r.configEntries.find((e) => e.configName === 'max.message.bytes');
    const value = Number(entry?.configValue);
    if (Number.isSafeInteger(value) && value > 0) limits.set(r.resourceName, value);
  }
  return limits;
}

/**
 * Some kafkajs calls give up on errors that Kafka marks retriable, e.g. an offset fetch answered
 * COORDINATOR_LOAD_IN_PROGRESS (code 14) while a freshly started broker loads __consumer_offsets.
 * `attempts` counts the first call; only errors with `retriable: true` (kafkajs' flag) are tried again.
 */
export async function retryRetriable<T>(
  fn: () => Promise<T>,
  attempts = 10,
  sleep: (ms: number) => Promise<unknown> = (ms) => sleepFor(ms),
): Promise<T> {
  return retry(fn, { retries: Math.max(0, attempts - 1), delayMs: (n) => backoffMs(KAFKA_RETRY_BACKOFF, n), sleep });
}

/**
 * Each partition's first and end offsets (`low`, `high`: the high watermark) of `topic`, as kafkajs's
 * `fetchTopicOffsets` gives them, through an admin client of its own. kafkajs gives up at once on an
 * answer that a moving partition leader gives (LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, a refused
 * connection to a dead broker); those are retried here as by retryRetriable, each attempt with a new
 * admin client, so the leaders are read afresh rather than from the metadata that named the dead one.
 * Rejects with the last error once the attempts are spent or for an error kafkajs marks not retriable.
 */
export async function topicOffsets(
  kafka: Kafka,
  topic: string,
): Promise<{ partition: number; offset: string; high: string; low: string }[]> {
  return retryRetriable(async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
  });
}

/** Producer settings every streamtap producer shares: idempotent, one request in flight, no topic auto-creation, murmur2 key partitioning. */
export function producerConfig(): ProducerConfig {
  return {
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: defaultPartitioner,
  };
}
