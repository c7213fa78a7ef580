// Consumer side of a run completion (the message and its meaning: src/contracts/run-completion.ts).
import type { Admin } from 'kafkajs';
import type { RunCompletion } from '../contracts/run-completion.js';

/** Consumer side: true once `groupId` has committed every partition of the run's topic up to its end offset. */
export async function dataCommitted(admin: Admin, groupId: string, completion: RunCompletion): Promise<boolean> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [completion.topic] });
  const byPartition = new Map((committed?.partitions ?? []).map((p) => [String(p.partition), BigInt(p.offset)]));
  for (const [partition, end] of Object.entries(completion.endOffsets)) {
    const at = byPartition.get(partition) ?? -1n;
    // An empty partition (end 0) needs no commit.
    if (BigInt(end) > 0n && at < BigInt(end)) return false;
  }
  return true;
}
