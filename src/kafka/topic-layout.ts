// How streamtap lays out the topics it creates on a cluster: replication factor, min.insync.replicas and
// the default partition count, chosen from the number of brokers unless the operator says otherwise.
// Producers are idempotent and send with acks=all (-1): a write is acknowledged once every in-sync replica
// has it, and min.insync.replicas is how many that must be at least; below it the broker refuses the write
// (NOT_ENOUGH_REPLICAS, retried by kafkajs) instead of accepting it on too few copies.
import type { Admin } from 'kafkajs';
import { ConfigError, type ConfigIssue } from '../config/errors.js';

export interface TopicLayout {
  /** copies of every partition; 3 on a cluster of 3 or more brokers, else the broker count */
  readonly replicationFactor: number;
  /** replicas that must have a write before acks=all acknowledges it; 2 with 3 copies, 1 with fewer */
  readonly minInsyncReplicas: number;
  /** partitions of a resource topic whose resource names none (`kafka: { partitions }`); default 3 */
  readonly partitions: number;
}

/** What the operator set (settings file, env, flags); unset fields follow the cluster size. */
export interface TopicLayoutOverrides {
  /**
   * copies of each partition; above the broker count Kafka refuses the topic
   * @default min(3, brokers)
   */
  readonly replicationFactor?: number | undefined;
  /**
   * min.insync.replicas of the topics created
   * @default 2 with three or more copies, else 1
   */
  readonly minInsyncReplicas?: number | undefined;
  /**
   * partitions of a resource topic whose resource names none
   * @default 3
   */
  readonly partitions?: number | undefined;
  /**
   * `max.message.bytes` of the data and dead-letter topics created (src/kafka/message-size.ts); topics
   * that exist keep theirs
   * @default DEFAULT_TOPIC_MAX_MESSAGE_BYTES (8 MiB)
   */
  readonly maxMessageBytes?: number | undefined;
}

/** Partitions of a resource topic when neither the resource nor the settings name a count. */
export const DEFAULT_PARTITIONS = 3;
/** Three copies survive one broker lost while a second is restarted; more only costs disk and network. */
const MAX_DEFAULT_REPLICATION = 3;

/**
 * The layout for a cluster of `brokers` brokers: replication factor min(3, brokers); min.insync.replicas
 * 2 with three or more copies (one broker may be down and writes go on, never acknowledged on a single copy),
 * 1 with one or two copies (with 2 and min.insync 2 any broker down would stop every write). So 3 brokers
 * or more: RF 3, min ISR 2; 2 brokers: 2 and 1; 1 broker: 1 and 1.
 * Throws ConfigError when an override cannot work: a replication factor above the broker count (Kafka
 * refuses the topic), or min.insync.replicas above the replication factor (every acks=all write would fail).
 */
export function chooseTopicLayout(brokers: number, overrides: TopicLayoutOverrides = {}): TopicLayout {
  const replicationFactor = overrides.replicationFactor ?? Math.max(1, Math.min(MAX_DEFAULT_REPLICATION, brokers));
  const minInsyncReplicas = overrides.minInsyncReplicas ?? (replicationFactor >= 3 ? 2 : 1);
  const issues: ConfigIssue[] = [];
  if (replicationFactor > brokers)
    issues.push({
      path: 'topics.replication_factor',
      message: `replication factor ${replicationFactor} needs at least ${replicationFactor} brokers; the cluster has ${brokers}`,
    });
  if (minInsyncReplicas > replicationFactor)
    issues.push({
      path: 'topics.min_insync_replicas',
      message: `min.insync.replicas ${minInsyncReplicas} is above the replication factor ${replicationFactor}: every acks=all write would be refused`,
    });
  if (issues.length > 0) throw new ConfigError('topic layout', issues);
  return { replicationFactor, minInsyncReplicas, partitions: overrides.partitions ?? DEFAULT_PARTITIONS };
}

/** The layout for the cluster `admin` is connected to (its broker count from describeCluster). */
export async function clusterTopicLayout(admin: Admin, overrides: TopicLayoutOverrides = {}): Promise<TopicLayout> {
  const { brokers } = await admin.describeCluster();
  return chooseTopicLayout(brokers.length, overrides);
}

const LAYOUT_ENV = {
  replicationFactor: ['STREAMTAP_TOPIC_REPLICATION_FACTOR', 'topics.replication_factor'],
  minInsyncReplicas: ['STREAMTAP_TOPIC_MIN_INSYNC_REPLICAS', 'topics.min_insync_replicas'],
  partitions: ['STREAMTAP_TOPIC_PARTITIONS', 'topics.partitions'],
  maxMessageBytes: ['STREAMTAP_TOPIC_MAX_MESSAGE_BYTES', 'topics.max_message_bytes'],
} as const;

/**
 * Overrides from STREAMTAP_TOPIC_REPLICATION_FACTOR, STREAMTAP_TOPIC_MIN_INSYNC_REPLICAS,
 * STREAMTAP_TOPIC_PARTITIONS and STREAMTAP_TOPIC_MAX_MESSAGE_BYTES (the merged env of src/cli/settings.ts, so flags and the settings file land
 * here too). Throws ConfigError for a value that is not a positive integer.
 */
export function topicLayoutFromEnv(env: NodeJS.ProcessEnv): TopicLayoutOverrides {
  const out: Record<string, number> = {};
  const issues: ConfigIssue[] = [];
  for (const [field, [name, key]] of Object.entries(LAYOUT_ENV)) {
    const text = env[name]?.trim();
    if (!text) continue;
    const n = Number(text);
    if (Number.isInteger(n) && n > 0) out[field] = n;
    else issues.push({ path: key, message: `${name}="${text}" is not a positive integer` });
  }
  if (issues.length > 0) throw new ConfigError('topic layout', issues);
  return out;
}
