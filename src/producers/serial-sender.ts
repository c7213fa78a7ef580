// kafkajs's idempotent producer tracks sequence numbers per partition and is known to break them under
// concurrent `send` calls; every send of a process goes through this queue, one at a time.
import type { Message, Producer } from 'kafkajs';

export interface TopicBatch {
  readonly topic: string;
  readonly messages: Message[];
}

export class SerialSender {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly producer: Producer) {}

  send(batches: readonly TopicBatch[]): Promise<void> {
    const run = async (): Promise<void> => {
      const topicMessages = batches.filter((b) => b.messages.length > 0);
      if (topicMessages.length > 0) await this.producer.sendBatch({ topicMessages, acks: -1 });
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
