// Consumer-group lag per partition: the topic's end offset minus the group's committed offset. Read
// from the broker, so it is true whoever consumes (this process, another one, or nobody).
import type { Admin } from 'kafkajs';
import { retryRetriable } from '../kafka/client.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** first and next offsets of the log */
  readonly low: bigint;
  readonly high: bigint;
  /** the group's next offset to read, or undefined when the group never committed on this partition */
  readonly committed: bigint | undefined;
  /** messages the group has not committed yet (counting from the log start when it never committed) */
  readonly lag: bigint;
}

export async function fetchLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  if (topics.length === 0) return [];
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  if (present.length === 0) return [];
  const committed = new Map<string, bigint>();
  for (const { topic, partitions } of await retryRetriable(() =>
    admin.fetchOffsets({ groupId, topics: [...present] }),
  )) {
    for (const p of partitions) if (BigInt(p.offset) >= 0n) committed.set(`${topic}:${p.partition}`, BigInt(p.offset));
  }
  const out: PartitionLag[] = [];
  for (const topic of present) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      const low = BigInt(p.low);
      const high = BigInt(p.high);
      const done = committed.get(`${topic}:${p.partition}`);
      const from = done === undefined || done < low ? low : done;
      out.push({ topic, partition: p.partition, low, high, committed: done, lag: high > from ? high - from : 0n });
    }
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export function sumLag(rows: readonly PartitionLag[], topic?: string): bigint {
  return rows.filter((r) => topic === undefined || r.topic === topic).reduce((n, r) => n + r.lag, 0n);
}
