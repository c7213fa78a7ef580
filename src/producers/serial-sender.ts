// kafkajs's idempotent producer tracks sequence numbers per partition and is known to break them under
// concurrent `send` calls; every send of a process goes through this queue, one at a time.
//
// kafkajs 2.2.4 also drops messages when a partition leader dies in the middle of a send
// (tulios/kafkajs#1303): a sendBatch keeps each broker's answer across its retries and sends only to
// brokers without one, so a partition whose leadership moved to a broker that had already answered for
// its own partitions is never sent, and the call resolves as if it were. The answer lists every partition
// that was written; the messages of a partition it lacks are sent again (with the sequence numbers
// kafkajs rolled back, so a copy the dead leader did replicate is recognised by the idempotent broker).
import type { Message, Producer, RecordMetadata } from 'kafkajs';
import { chosenPartition } from '../kafka/partitioner.js';

export interface TopicBatch {
  readonly topic: string;
  readonly messages: Message[];
}

/** Rounds of sending what an answer left out before the send fails (each round has kafkajs's own retries). */
const UNANSWERED_ROUNDS = 5;

/**
 * Where a producer's batches go: resolves once Kafka acknowledged them all (acks=all), in the order the
 * calls were made. SerialSender on this thread, or ThreadSender on a thread of its own (sender-thread.ts).
 */
export interface BatchSender {
  send(batches: readonly TopicBatch[]): Promise<void>;
}

export class SerialSender implements BatchSender {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly producer: Producer) {}

  send(batches: readonly TopicBatch[]): Promise<void> {
    const run = async (): Promise<void> => {
      let pending = batches.filter((b) => b.messages.length > 0);
      for (let round = 1; pending.length > 0; round++) {
        if (round > UNANSWERED_ROUNDS)
          throw new Error(
            `Kafka left ${pending.map((b) => `${b.messages.length} message(s) of ${b.topic}`).join(', ')} unanswered ${UNANSWERED_ROUNDS} times in a row`,
          );
        const answer = await this.producer.sendBatch({ topicMessages: pending, acks: -1 });
        pending = unanswered(pending, answer);
      }
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The messages of `sent` whose partition the answer does not list (all of them when kafkajs chose none). */
export function unanswered(sent: readonly TopicBatch[], answer: readonly RecordMetadata[]): TopicBatch[] {
  const written = new Set(answer.map((r) => `${r.partition} ${r.topicName}`));
  return sent
    .map((b) => ({
      topic: b.topic,
      messages: b.messages.filter((m) => !written.has(`${chosenPartition(m)} ${b.topic}`)),
    }))
    .filter((b) => b.messages.length > 0);
}
