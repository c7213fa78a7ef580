// Where a consumer group stands against the end offsets it must reach before `until: 'caught-up'` stops
// it: the group's committed offset per partition, counted from its start and advanced by each commit,
// against each partition's end offset (high watermark) read once the data to load is all written.
import type { Admin } from 'kafkajs';

/** One partition's first and end offsets (`low`, `high`), as kafkajs's fetchTopicOffsets gives them. */
export interface TopicPartitionOffsets {
  readonly partition: number;
  readonly high: string;
  readonly low: string;
}

/**
 * A group's lag to a fixed set of end offsets. Commits are counted from `read()`; the end offsets to
 * reach are read by `readEndOffsets()`, at start or once a producer running beside is done. Until then
 * the group is never caught up.
 */
export class GroupLag {
  private endOffsets: Map<string, bigint> | undefined;

  private constructor(
    private readonly topics: readonly string[],
    private readonly positions: Map<string, bigint>,
  ) {}

  /** The group's committed offsets on `topics` now (a partition never committed has none yet). */
  static async read(admin: Admin, groupId: string, topics: readonly string[]): Promise<GroupLag> {
    const positions = new Map<string, bigint>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      for (const p of partitions) {
        const committed = BigInt(p.offset);
        if (committed >= 0n) positions.set(`${topic}:${p.partition}`, committed);
      }
    }
    return new GroupLag(topics, positions);
  }

  /**
   * Reads the end offsets to reach with `offsetsOf` (kafka/client.ts `topicOffsets`, which retries while
   * leaders move); a partition never committed starts at its first offset still kept.
   */
  async readEndOffsets(offsetsOf: (topic: string) => Promise<readonly TopicPartitionOffsets[]>): Promise<void> {
    const endOffsets = new Map<string, bigint>();
    for (const topic of this.topics) {
      for (const p of await offsetsOf(topic)) {
        const key = `${topic}:${p.partition}`;
        endOffsets.set(key, BigInt(p.high));
        if ((this.positions.get(key) ?? -1n) < BigInt(p.low)) this.positions.set(key, BigInt(p.low));
      }
    }
    this.endOffsets = endOffsets;
  }

  /** Records a commit (`next`: the offset the group reads next); true when the group is now caught up. */
  committed(topic: string, partition: number, next: bigint): boolean {
    this.positions.set(`${topic}:${partition}`, next);
    return this.caughtUp();
  }

  /** Every partition committed up to its end offset (false while the end offsets are not read yet). */
  caughtUp(): boolean {
    if (!this.endOffsets) return false;
    for (const [key, end] of this.endOffsets) if ((this.positions.get(key) ?? 0n) < end) return false;
    return true;
  }
}
