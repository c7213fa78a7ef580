// How a consumer commits what it has loaded.
import type { EachBatchPayload } from 'kafkajs';
import { retryRetriable } from '../kafka/client.js';

/**
 * Commits through the batch payload: unlike `consumer.commitOffsets`, which kafkajs turns into a silent
 * no-op once stop() began, this still commits a chunk finished during a graceful shutdown (the group is
 * left only after the batch returns). A commit refused because the group is rebalancing throws: kafkajs
 * rejoins, and the partition's new owner replays the chunk with the same token, which ClickHouse drops.
 * `next` is the offset the group reads next (the last loaded offset + 1).
 */
export async function commitOffset(payload: EachBatchPayload, next: bigint): Promise<void> {
  const offsets = {
    topics: [
      { topic: payload.batch.topic, partitions: [{ partition: payload.batch.partition, offset: next.toString() }] },
    ],
  };
  await retryRetriable(() => payload.commitOffsetsIfNecessary(offsets), 3);
}
