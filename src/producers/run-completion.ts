// Producer side of a run completion (the message and its meaning: src/contracts/run-completion.ts).
import type { Kafka, Message } from 'kafkajs';
import { RUN_COMPLETE, encodeRunCompletion, type RunCompletion } from '../contracts/run-completion.js';
import { controlTopic } from '../contracts/topics.js';
import { topicOffsets } from '../kafka/client.js';

export type RunCompletionInput = Omit<RunCompletion, 'type' | 'endOffsets' | 'completedAt'>;

/**
 * Producer side, called once every record of the run was acknowledged (acks=all). `send` is the
 * producer's serialized sender, so the message is ordered after the run's records on this producer.
 */
export async function publishRunCompletion(
  kafka: Kafka,
  send: (batches: { topic: string; messages: Message[] }[]) => Promise<void>,
  input: RunCompletionInput,
): Promise<RunCompletion> {
  // Read right after the run's last acks: a broker lost during the run may still be named as a leader.
  const endOffsets = Object.fromEntries(
    (await topicOffsets(kafka, input.topic)).map((p) => [String(p.partition), p.high]),
  );
  const completion: RunCompletion = { type: RUN_COMPLETE, ...input, endOffsets, completedAt: new Date().toISOString() };
  await send([{ topic: controlTopic(input.topic), messages: [encodeRunCompletion(completion)] }]);
  return completion;
}
