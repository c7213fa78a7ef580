// kafkajs's DefaultPartitioner (the Java client's murmur2 choice), computed without its per-message
// costs: it hashes through a 64-bit Long emulation, copies each key into a new Buffer and filters the
// partition list for every message. Same partition for every key, so keys stay where they always went.
import { randomBytes } from 'node:crypto';
import type { ICustomPartitioner, Message, PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
// Keys are encoded here rather than into a new Buffer each; longer keys get their own.
const scratch = Buffer.allocUnsafe(1024);

/** The Java client's murmur2 of the key's UTF-8 bytes, as a signed 32-bit integer. */
export function murmur2(key: string | Buffer): number {
  if (typeof key !== 'string') return murmur2Bytes(key, key.length);
  if (key.length * 3 > scratch.length) return murmur2(Buffer.from(key));
  return murmur2Bytes(scratch, scratch.write(key, 0, 'utf8'));
}

function murmur2Bytes(data: Buffer, length: number): number {
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= (data[whole + 2] as number) << 16;
    if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
    h ^= data[whole] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a keyed message among `partitions`: murmur2 of the key, as the Java client chooses. */
export function keyPartition(key: string | Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

// The partition chosen for each message on its latest send attempt (kafkajs asks again on every retry).
const chosen = new WeakMap<Message, number>();

/** The partition `defaultPartitioner` last chose for `message`; undefined when it never saw it. */
export function chosenPartition(message: Message): number | undefined {
  return chosen.get(message);
}

/** Explicit partition, else murmur2 of the key over all partitions, else round robin over those with a leader. */
export const defaultPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  const choose = ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return keyPartition(message.key, partitionMetadata.length);
    const next = (counters.get(topic) ?? randomBytes(4).readUInt32BE(0)) + 1;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0)
      return (available[(next & 0x7fffffff) % available.length] as { partitionId: number }).partitionId;
    return (next & 0x7fffffff) % partitionMetadata.length;
  };
  return (args: PartitionerArgs) => {
    const partition = choose(args);
    chosen.set(args.message, partition);
    return partition;
  };
};
