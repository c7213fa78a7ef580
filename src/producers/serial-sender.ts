// kafkajs's idempotent producer tracks sequence numbers per partition and is known to break them under
// concurrent `send` calls on a partition; every send of a process goes through this queue, one at a time.
//
// Each call is split by partition, and each partition goes in a sendBatch call of its own, so that one
// kafkajs call never spans two brokers. kafkajs 2.2.4 awaits a call's per-broker requests with
// Promise.all: when one broker dies, the call's retry starts while the others' requests are still in
// flight, and sends their partitions again behind them with sequence numbers already advanced, which
// the broker takes as new records: every record of such a batch written twice (seen on a 3-node
// cluster, a broker killed with SIGKILL; test/integration/cluster-faults.test.ts).
//
// kafkajs 2.2.4 also drops messages when a partition leader dies in the middle of a send
// (tulios/kafkajs#1303): a sendBatch keeps each broker's answer across its retries and sends only to
// brokers without one. With one partition per call that cannot happen any more, but the answer is still
// checked: the messages of a partition it lacks are sent again (with the sequence numbers kafkajs rolled
// back, so a copy the dead leader did replicate is recognised by the idempotent broker).
import type { Message, Producer, RecordMetadata } from 'kafkajs';
import type { PartitionCounts } from '../kafka/partition-counts.js';
import { chosenPartition, keyPartition } from '../kafka/partitioner.js';

export interface TopicBatch {
  readonly topic: string;
  readonly messages: Message[];
}

/** Rounds of sending what an answer left out before the send fails (each round has kafkajs's own retries). */
const UNANSWERED_ROUNDS = 5;

/**
 * Where a producer's batches go: resolves once Kafka acknowledged them all (acks=all), in the order the
 * calls were made. SerialSender on this thread, or ThreadSender on a thread of its own (sender-thread.ts).
 * Once `send` resolves, the messages' values are the caller's again: the publisher recycles their bytes
 * (src/avro/byte-slab.ts), so a sender must not read them after that.
 */
export interface BatchSender {
  send(batches: readonly TopicBatch[]): Promise<void>;
}

export class SerialSender implements BatchSender {
  private tail: Promise<unknown> = Promise.resolve();
  // Keyless messages take the partitions in turn, per topic, as kafkajs's round robin would.
  private readonly turns = new Map<string, number>();

  /** `partitions`: each topic's partition count, to split a call by partition (src/kafka/partition-counts.ts). */
  constructor(
    private readonly producer: Producer,
    private readonly partitions: PartitionCounts,
  ) {}

  send(batches: readonly TopicBatch[]): Promise<void> {
    const run = async (): Promise<void> => {
      const parts = await this.byPartition(batches);
      // Every partition's call settles before the send does: none is still in flight when the next send starts.
      const settled = await Promise.allSettled(parts.map((part) => this.sendPartition(part)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** One batch per topic and partition, in the calls' order; each message carries its partition. */
  private async byPartition(batches: readonly TopicBatch[]): Promise<TopicBatch[]> {
    const parts = new Map<string, TopicBatch>();
    for (const { topic, messages } of batches) {
      if (messages.length === 0) continue;
      const count = await this.partitions.count(topic);
      for (const message of messages) {
        // Set on the message itself (ours, made for this send): a copy per message would cost more.
        message.partition ??= this.partitionOf(topic, message, count);
        const id = `${message.partition} ${topic}`;
        let part = parts.get(id);
        if (!part) parts.set(id, (part = { topic, messages: [] }));
        part.messages.push(message);
      }
    }
    return [...parts.values()];
  }

  private partitionOf(topic: string, message: Message, count: number): number {
    if (message.key !== null && message.key !== undefined) return keyPartition(message.key, count);
    const turn = (this.turns.get(topic) ?? -1) + 1;
    this.turns.set(topic, turn);
    return turn % count;
  }

  private async sendPartition(part: TopicBatch): Promise<void> {
    let pending = [part];
    for (let round = 1; pending.length > 0; round++) {
      if (round > UNANSWERED_ROUNDS)
        throw new Error(
          `Kafka left ${pending.map((b) => `${b.messages.length} message(s) of ${b.topic}`).join(', ')} unanswered ${UNANSWERED_ROUNDS} times in a row`,
        );
      const answer = await this.producer.sendBatch({ topicMessages: pending, acks: -1 });
      pending = unanswered(pending, answer);
    }
  }
}

/** The messages of `sent` whose partition the answer does not list (all of them when kafkajs chose none). */
export function unanswered(sent: readonly TopicBatch[], answer: readonly RecordMetadata[]): TopicBatch[] {
  const written = new Set(answer.map((r) => `${r.partition} ${r.topicName}`));
  return sent
    .map((b) => ({
      topic: b.topic,
      messages: b.messages.filter((m) => !written.has(`${m.partition ?? chosenPartition(m)} ${b.topic}`)),
    }))
    .filter((b) => b.messages.length > 0);
}
